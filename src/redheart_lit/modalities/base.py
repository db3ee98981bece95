"""What every modality encoder returns, and the error it raises for input it cannot read.

An encoder (``image.py``, ``audio.py``, ``biosignals.py``) turns one raw input into a
:class:`ModalityResult`: its features, an :class:`AffectEstimate` (or None when there is
nothing to estimate from, e.g. an image without a face) and diagnostics. ``fusion.py``
combines the estimates with the text's.

Valence and arousal live on Russell's circumplex, each in [-1, 1]. A model that predicts
the 7 Ekman-style classes maps them to the plane with :data:`EKMAN_VA`; a modality that
cannot tell valence (physiology measures arousal, not pleasantness) leaves it None
rather than guessing 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from redheart_lit.evaluation.ekman import EKMAN_LABELS

# (valence, arousal) of each Ekman class: the pleasure and arousal coordinates of the
# basic emotions in Russell & Mehrabian (1977, J. Research in Personality 11:273-294),
# as tabulated for affective agents by Gebhard (2005, ALMA, AAMAS); joy uses their
# "happy", sadness their "sad"; neutral is the origin. A documented choice, not fitted here.
EKMAN_VA: dict[str, tuple[float, float]] = {
    "anger": (-0.51, 0.59),
    "disgust": (-0.60, 0.35),
    "fear": (-0.64, 0.60),
    "joy": (0.81, 0.51),
    "sadness": (-0.63, -0.27),
    "surprise": (0.40, 0.67),
    "neutral": (0.0, 0.0),
}
_VA = np.array([EKMAN_VA[label] for label in EKMAN_LABELS])  # [7, 2]


class ModalityError(ValueError):
    """An input a modality encoder cannot read (corrupt, NaN, constant, too long, ...).

    ``field`` names the input (``image``, ``audio``, ``biosignals.ecg``) so that the API
    can answer 413/422 naming it; ``too_large`` marks a limit (413) rather than bad content.
    """

    def __init__(self, field: str, message: str, *, too_large: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.too_large = too_large


@dataclass(frozen=True)
class AffectEstimate:
    """One modality's reading. ``ekman`` maps :data:`EKMAN_LABELS` to probabilities when
    the model gives them; ``confidence`` in [0, 1] (how it is obtained is per encoder and
    documented in docs/multimodal.md)."""

    valence: float | None
    arousal: float
    confidence: float
    ekman: dict[str, float] | None = None

    def __post_init__(self) -> None:
        for name in ("valence", "arousal"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise ValueError(f"{name} must be in [-1, 1], got {value}")
        if not (math.isfinite(self.confidence) and 0.0 <= self.confidence <= 1.0):
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")
        if self.ekman is not None and tuple(self.ekman) != EKMAN_LABELS:
            raise ValueError(f"ekman must have the keys {EKMAN_LABELS} in order")

    def as_dict(self) -> dict[str, Any]:
        return {
            "valence": None if self.valence is None else round(self.valence, 4),
            "arousal": round(self.arousal, 4),
            "confidence": round(self.confidence, 4),
            "ekman": None
            if self.ekman is None
            else {k: round(v, 4) for k, v in self.ekman.items()},
        }


@dataclass(frozen=True)
class ModalityResult:
    """``features``: named numbers; ``estimate``: None when nothing could be estimated;
    ``diagnostics``: what the encoder found (faces, voiced fraction, signal quality)."""

    modality: str
    features: dict[str, float]
    estimate: AffectEstimate | None
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": None if self.estimate is None else self.estimate.as_dict(),
            "features": {k: round(float(v), 6) for k, v in self.features.items()},
            "diagnostics": self.diagnostics,
        }


class ModalityEncoder(Protocol):
    """Raw input -> :class:`ModalityResult`; raises :class:`ModalityError` on bad input."""

    name: str

    def encode(self, raw: Any) -> ModalityResult: ...


def ekman_estimate(probs: np.ndarray, confidence: float | None = None) -> AffectEstimate:
    """The estimate of ``[7]`` Ekman probabilities (in :data:`EKMAN_LABELS` order):
    valence/arousal are their expectation over :data:`EKMAN_VA`; confidence defaults to
    the top probability."""
    probs = np.asarray(probs, dtype=float)
    if probs.shape != (len(EKMAN_LABELS),) or not np.isfinite(probs).all():
        raise ValueError(f"expected {len(EKMAN_LABELS)} finite probabilities, got {probs}")
    probs = probs / probs.sum()
    valence, arousal = (probs @ _VA).tolist()
    return AffectEstimate(
        valence=float(np.clip(valence, -1, 1)),
        arousal=float(np.clip(arousal, -1, 1)),
        confidence=float(probs.max()) if confidence is None else confidence,
        ekman=dict(zip(EKMAN_LABELS, probs.tolist(), strict=True)),
    )


def finite_signal(field: str, values: Any, *, min_len: int = 2) -> np.ndarray:
    """``values`` as a 1-D float64 array; ModalityError for non-numbers, NaN/inf, too few
    samples or a constant signal (no information, and NeuroKit2 would divide by zero)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ModalityError(field, f"not an array of numbers ({err})") from None
    if array.ndim != 1:
        raise ModalityError(field, f"must be one channel (1-D), got shape {array.shape}")
    if array.size < min_len:
        raise ModalityError(field, f"has {array.size} samples; needs at least {min_len}")
    if not np.isfinite(array).all():
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ModalityError(field, f"holds NaN or infinity (first at sample {bad})")
    if np.ptp(array) == 0:
        raise ModalityError(field, "is constant (no signal)")
    return array
