"""Per-label decision thresholds, tuned on dev probabilities to maximise each label's F1.

The 28 emotion labels differ a lot in frequency; one global cut-off of 0.5 leaves rare
labels almost never predicted. Each label therefore gets its own threshold, chosen on the
**validation** split only (the emotion task refits them after every validation epoch and stores
them in the checkpoint: :class:`DecisionThresholds` below); test numbers then use
thresholds the test data never influenced.

Rules:

* Grid ``0.01, 0.02, ..., 0.99``; a row is predicted positive when ``p >= threshold``.
* For each label the threshold with the highest F1 wins. Ties go to the threshold closest
  to 0.5, and between two equally close ones to the lower (a tie means the data cannot
  tell them apart, so stay near the uninformed default).
* A label with no positive row in dev keeps 0.5 and is marked untuned: F1 is 0 at every
  threshold there, so the data says nothing about where to cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

# Thresholds in hundredths: integer arithmetic keeps "closest to 0.5" exact.
GRID_HUNDREDTHS = np.arange(1, 100)
GRID = GRID_HUNDREDTHS / 100.0
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class ThresholdFit:
    """Result of :func:`tune_thresholds` for ``K`` labels.

    Attributes:
        thresholds: ``[K]`` chosen thresholds.
        tuned: ``[K]`` bool; False where the label had no positive row (kept at 0.5).
        f1: ``[K]`` dev F1 at the chosen threshold.
    """

    thresholds: np.ndarray
    tuned: np.ndarray
    f1: np.ndarray

    def untuned_labels(self, names: tuple[str, ...]) -> list[str]:
        """Names of the labels that kept the default (no positives in the data)."""
        return [name for name, tuned in zip(names, self.tuned, strict=True) if not tuned]


def _f1_on_grid(probabilities: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """F1 of one label at every grid threshold: ``[len(GRID)]``."""
    predicted = probabilities[:, None] >= GRID[None, :]  # [N, G]
    tp = (predicted & positive[:, None]).sum(0)
    fp = (predicted & ~positive[:, None]).sum(0)
    fn = positive.sum() - tp
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def tune_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> ThresholdFit:
    """Per-label F1-optimal thresholds for ``probabilities`` / 0-1 ``targets`` ``[N, K]``."""
    probabilities = np.asarray(probabilities, dtype=float)
    positive = np.asarray(targets) >= 0.5
    if probabilities.ndim != 2 or probabilities.shape != positive.shape:
        raise ValueError(
            f"expected probabilities and targets of one shape [N, K], got "
            f"{probabilities.shape} and {positive.shape}"
        )
    n_labels = probabilities.shape[1]
    thresholds = np.full(n_labels, DEFAULT_THRESHOLD)
    tuned = positive.any(0)
    best_f1 = np.zeros(n_labels)
    for k in np.flatnonzero(tuned):
        f1 = _f1_on_grid(probabilities[:, k], positive[:, k])
        # F1 values are ratios of small integers, so equal scores are equal floats.
        best = np.flatnonzero(f1 == f1.max())
        distance = np.abs(GRID_HUNDREDTHS[best] - 50)
        # lexsort: last key first -> closest to 0.5, then the lower threshold.
        choice = best[np.lexsort((GRID_HUNDREDTHS[best], distance))[0]]
        thresholds[k], best_f1[k] = GRID[choice], f1[choice]
    return ThresholdFit(thresholds=thresholds, tuned=tuned, f1=best_f1)


class DecisionThresholds(nn.Module):
    """Buffers ``hundredths [28]`` (threshold x 100), ``tuned [28]`` (False: the label had
    no positive row in dev and kept 0.5) and ``fitted_rows`` (dev rows of the last fit;
    0 = never fitted)."""

    def __init__(self, n_labels: int) -> None:
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
