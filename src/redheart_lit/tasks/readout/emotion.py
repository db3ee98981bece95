"""Emotion readout: 28 GoEmotions logits from the analyzer, plus the DSP spectrum.

Reads the backbone's token states through the emotion analyzer; when ``aux.dsp`` is on,
the spectrum of the token-level emotion trajectory is added to the pooled state (the
DSP module sees the emotion-specific token states). Owns the 28 temperatures and the
per-label decision thresholds tuned on dev.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field, create_model

from redheart_lit.evaluation.calibration_error import expected_calibration_error
from redheart_lit.evaluation.classification import apply_thresholds, macro_f1, micro_f1
from redheart_lit.evaluation.ekman import (
    EKMAN_LABELS,
    ekman_decisions,
    ekman_macro_f1,
    ekman_scores,
)
from redheart_lit.evaluation.korean import COMPOSITE_NAMES, korean_composites
from redheart_lit.model.aux.dsp import SpectralTrajectory
from redheart_lit.model.aux.thresholds import DEFAULT_THRESHOLD, DecisionThresholds
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import SharedStates
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.readout.rounding import rounded
from redheart_lit.tasks.spec import EMOTION_LABELS

N_LABELS = len(EMOTION_LABELS)

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
EmotionLabel = Literal[EMOTION_LABELS]  # type: ignore[valid-type]
EkmanLabel = Literal[EKMAN_LABELS]  # type: ignore[valid-type]


def _named(name: str, names: tuple[str, ...], doc: str) -> type[BaseModel]:
    """A model with one probability field per name, in order."""
    fields: dict[str, Any] = dict.fromkeys(names, (Probability, ...))
    return create_model(name, __doc__=doc, **fields)


class EmotionSection(BaseModel):
    """``analysis.emotion``: the 28 calibrated probabilities and what they decide."""

    probabilities: _named("EmotionProbabilities", EMOTION_LABELS, "Calibrated, per label.")  # type: ignore[valid-type]
    labels: list[EmotionLabel] = Field(description="labels at or above their dev-tuned threshold")
    ekman: _named("EkmanScores", EKMAN_LABELS, "Ekman groups (6 + neutral).")  # type: ignore[valid-type]
    ekman_labels: list[EkmanLabel]
    korean: _named("KoreanComposites", COMPOSITE_NAMES, "Derived Korean composites.")  # type: ignore[valid-type]


@dataclass
class EmotionOutput:
    """``logits`` ``[B, 28]``, one per GoEmotions label."""

    logits: torch.Tensor


class EmotionReadout(TaskReadout):
    task: ClassVar[str] = "emotion"
    calibrated: ClassVar[dict[str, int]] = {"emotion": N_LABELS}
    section_model: ClassVar[Any] = EmotionSection

    def __init__(self, config: ModelConfig, task: str | None = None) -> None:
        super().__init__(config, task)
        d = config.backbone.d_model
        dsp = config.aux.dsp
        self.dsp = SpectralTrajectory(d, N_LABELS, dsp) if dsp.enabled else None
        # Tuned with the temperatures, on the calibrated probabilities inference sees.
        self.thresholds = DecisionThresholds(N_LABELS) if config.aux.calibration.enabled else None

    def head_out_dim(self) -> int:
        return N_LABELS

    def forward(self, shared: SharedStates) -> EmotionOutput:
        token_states, pooled = self.read(shared.states, shared.mask)
        if self.dsp is not None:
            pooled = pooled + self.dsp(token_states, shared.mask)
        return EmotionOutput(self.head(pooled))

    def logits(self, out: EmotionOutput) -> dict[str, torch.Tensor]:
        return {"emotion": out.logits}

    def fit_calibration(self, key: str, logits: torch.Tensor, targets: torch.Tensor) -> None:
        super().fit_calibration(key, logits, targets)
        if self.thresholds is not None:
            # Tuned on the probabilities just calibrated, i.e. as inference sees them.
            temperature = self.temperatures[key]
            self.thresholds.fit(temperature(logits.to(temperature.log_t.device)), targets)

    def threshold_values(self) -> np.ndarray:
        """``[28]`` decision thresholds: tuned on dev when fitted, else 0.5 everywhere."""
        if self.thresholds is None or int(self.thresholds.fitted_rows) == 0:
            return np.full(N_LABELS, DEFAULT_THRESHOLD)
        return self.thresholds.value.cpu().numpy()

    def section(self, arrays: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
        probs = arrays["emotion"]
        decided = probs >= self.threshold_values()
        table = rounded(probs)
        ekman = rounded(ekman_scores(probs))
        korean = rounded(korean_composites(probs))
        on, ekman_on = decided.tolist(), ekman_decisions(decided).tolist()
        return [
            {
                "probabilities": dict(zip(EMOTION_LABELS, table[i], strict=True)),
                "labels": list(compress(EMOTION_LABELS, on[i])),
                "ekman": dict(zip(EKMAN_LABELS, ekman[i], strict=True)),
                "ekman_labels": list(compress(EKMAN_LABELS, ekman_on[i])),
                "korean": dict(zip(COMPOSITE_NAMES, korean[i], strict=True)),
            }
            for i in range(rows)
        ]

    def held_out_metrics(
        self, labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
    ) -> dict[str, float]:
        p, y = labelled["emotion"]
        tuned, half = apply_thresholds(p, thresholds), apply_thresholds(p, DEFAULT_THRESHOLD)
        return {
            "emotion/rows": len(y),
            "emotion/macro_f1": macro_f1(tuned, y),
            "emotion/micro_f1": micro_f1(tuned, y),
            "emotion/macro_f1_at_0.5": macro_f1(half, y),
            "emotion/micro_f1_at_0.5": micro_f1(half, y),
            "emotion/ekman_macro_f1": ekman_macro_f1(p, y, thresholds),
            "emotion/ece": expected_calibration_error(p, y),
            "emotion/labels_without_positives": int((y.sum(0) == 0).sum()),
        }

    def parameter_parts(self) -> dict[str, list[Any]]:
        return super().parameter_parts() | {"auxiliary/dsp": [self.dsp]}
