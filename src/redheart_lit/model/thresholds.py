"""Utility module: per-label decision thresholds for the 28 emotion probabilities.

Job: turn calibrated emotion probabilities into yes/no decisions with one threshold per
label, tuned to maximise that label's F1 on the validation split
(:func:`redheart_lit.evaluation.thresholds.tune_thresholds`). Like the temperatures of
:class:`~redheart_lit.model.calibration.TemperatureCalibration` they are buffers: no
optimizer touches them, the Lightning module refits them after every validation epoch
(right after the temperatures, on the calibrated probabilities), and every checkpoint
carries the thresholds that match its weights. Evaluation reads them from there, so test
numbers never use thresholds tuned on test. Switched with calibration
(``model.config.aux.calibration.enabled``).

The thresholds lie on a 0.01 grid and are stored as integer hundredths: a float buffer
would be cast by ``model.half()`` / bf16 (0.35 becomes 0.3496), and even float32 cannot
hold 0.35 exactly. Decisions compare in float64 against ``hundredths / 100``, exactly as
the tuning did, so a checkpoint decides every row the way its thresholds were tuned.
"""

from __future__ import annotations

import torch
from torch import nn

from redheart_lit.evaluation.thresholds import DEFAULT_THRESHOLD, tune_thresholds
from redheart_lit.tasks import EMOTION_LABELS


class DecisionThresholds(nn.Module):
    """Buffers ``hundredths [28]`` (threshold x 100), ``tuned [28]`` (False: the label had
    no positive row in dev and kept 0.5) and ``fitted_rows`` (dev rows of the last fit;
    0 = never fitted)."""

    def __init__(self, n_labels: int = len(EMOTION_LABELS)) -> None:
        super().__init__()
        default = round(DEFAULT_THRESHOLD * 100)
        self.register_buffer("hundredths", torch.full((n_labels,), default, dtype=torch.long))
        self.register_buffer("tuned", torch.zeros(n_labels, dtype=torch.bool))
        self.register_buffer("fitted_rows", torch.zeros((), dtype=torch.long))

    @property
    def value(self) -> torch.Tensor:
        """The thresholds ``[28]`` (float64)."""
        return self.hundredths.double() / 100

    def forward(self, probabilities: torch.Tensor) -> torch.Tensor:
        """Decisions ``probabilities >= thresholds``: ``[B, 28]`` bool."""
        return probabilities.double() >= self.value

    @torch.no_grad()
    def fit(self, probabilities: torch.Tensor, targets: torch.Tensor) -> None:
        """Tune on dev ``probabilities`` / multi-hot ``targets`` ``[N, 28]``; no rows: no change."""
        if len(probabilities) == 0:
            return
        fit = tune_thresholds(
            probabilities.detach().float().cpu().numpy(), targets.detach().float().cpu().numpy()
        )
        self.hundredths.copy_(torch.from_numpy((fit.thresholds * 100).round()).long())
        self.tuned.copy_(torch.from_numpy(fit.tuned))
        self.fitted_rows.fill_(len(probabilities))
