"""Late fusion of the text's and each present modality's affect estimate.

Each modality ``m`` with an estimate gets the weight ``w_m = weight_m * c_m`` when
``confidence_weighted`` (``c_m``: its confidence), else ``w_m = weight_m``; ``weight_m``
is configured (``conf/modality/fusion``). A modality without an estimate (no input, no
face, no heartbeat signal) is absent: it is never replaced by a default.

* **Fused valence / arousal**: ``sum_m w_m x_m / sum_m w_m`` over the modalities that
  give that coordinate (physiology and the prosody rule give no valence).
* **Fused Ekman distribution**: the same weighted mean over the modalities that give one.
* **Agreement** in [0, 1]: ``1 - sum_{m<n} w_m w_n d_mn / sum_{m<n} w_m w_n`` with
  ``d_mn`` the root-mean-square difference of the two estimates over the coordinates both
  give, divided by 2 (the width of [-1, 1]); null with fewer than two estimates.
* **integrated.confidence** (docs/multimodal.md): ``base * (1 + agreement) / 2`` when
  agreement is defined, else ``base``; ``base`` is the text's confidence when there is
  text, otherwise the weighted mean confidence of the modalities. Full disagreement
  halves it, full agreement keeps it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import AffectEstimate

MODALITIES = ("text", "image", "audio", "biosignals")


@dataclass(frozen=True)
class FusionConfig:
    weights: dict[str, float] = field(
        default_factory=lambda: {"text": 1.0, "image": 1.0, "audio": 1.0, "biosignals": 1.0}
    )
    confidence_weighted: bool = True

    def __post_init__(self) -> None:
        if set(self.weights) != set(MODALITIES):
            raise ValueError(f"modality.fusion.weights needs exactly the keys {MODALITIES}")
        for name, weight in self.weights.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"modality.fusion.weights.{name} must be >= 0, got {weight}")


def _mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for w, _ in pairs)
    return sum(w * x for w, x in pairs) / total if total > 0 else None


def fuse(estimates: dict[str, AffectEstimate], config: FusionConfig) -> dict[str, Any]:
    """``{"valence", "arousal", "ekman", "agreement", "weights", "confidence"}`` of the
    present ``estimates`` (modality -> estimate); values None when nothing gives them."""
    unknown = set(estimates) - set(MODALITIES)
    if unknown:
        raise ValueError(f"unknown modalities {sorted(unknown)}")
    weight = {
        m: config.weights[m] * (e.confidence if config.confidence_weighted else 1.0)
        for m, e in estimates.items()
    }
    valence = _mean([(weight[m], e.valence) for m, e in estimates.items() if e.valence is not None])
    arousal = _mean([(weight[m], e.arousal) for m, e in estimates.items()])
    ekman = None
    with_ekman = [(weight[m], e.ekman) for m, e in estimates.items() if e.ekman is not None]
    if with_ekman and sum(w for w, _ in with_ekman) > 0:
        ekman = {
            label: _mean([(w, probs[label]) for w, probs in with_ekman]) for label in EKMAN_LABELS
        }
    return {
        "valence": valence,
        "arousal": arousal,
        "ekman": ekman,
        "agreement": agreement(estimates, weight),
        "weights": weight,
        "confidence": _mean([(config.weights[m], e.confidence) for m, e in estimates.items()]),
    }


def agreement(estimates: dict[str, AffectEstimate], weight: dict[str, float]) -> float | None:
    """The weighted mean pairwise agreement of the module docstring; None below 2."""
    pairs = []
    for a, b in combinations(estimates, 2):
        ea, eb = estimates[a], estimates[b]
        diffs = [ea.arousal - eb.arousal]
        if ea.valence is not None and eb.valence is not None:
            diffs.append(ea.valence - eb.valence)
        distance = math.sqrt(sum(d * d for d in diffs) / len(diffs)) / 2.0
        pairs.append((weight[a] * weight[b], distance))
    if not pairs:
        return None
    mean_distance = _mean(pairs)
    if mean_distance is None:  # every pair has a zero weight
        return None
    return 1.0 - mean_distance


def fused_confidence(base: float, agreement_score: float | None) -> float:
    """``integrated.confidence``: ``base * (1 + agreement) / 2``, or ``base`` alone."""
    return base if agreement_score is None else base * (1.0 + agreement_score) / 2.0
