"""GoEmotions' 28 labels grouped into Ekman's six basic emotions plus neutral.

The groups are GoEmotions' own ``ekman_mapping.json`` (Demszky et al., ACL 2020,
google-research/goemotions), with ``neutral`` as its own seventh class as in the paper's
Ekman-level experiments. Every fine label belongs to exactly one group.

* **Labels.** A record's Ekman labels are the union of its fine labels' groups.
* **Decisions.** A group is predicted when any of its members is predicted at that
  member's (tuned) threshold, the same union rule as for the labels.
* **Scores.** A group's score is the *maximum* of its members' probabilities. The
  probability that at least one member is present is at least the largest member's
  probability, and the max needs no assumption about how members co-occur (a sum would
  double-count near-synonyms such as anger and annoyance, a noisy-OR would assume them
  independent). With one common threshold ``t`` for all members, ``max >= t`` is exactly
  "some member is predicted", so the score agrees with the decision rule.
"""

from __future__ import annotations

import numpy as np

from redheart_lit.evaluation.classification import apply_thresholds, macro_f1
from redheart_lit.tasks.spec import EMOTION_LABELS

EKMAN_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}  # fmt: skip
EKMAN_LABELS: tuple[str, ...] = tuple(EKMAN_GROUPS)

# [28, 7] membership: MEMBERSHIP[i, g] is True when fine label i belongs to group g.
MEMBERSHIP = np.array(
    [[fine in EKMAN_GROUPS[group] for group in EKMAN_LABELS] for fine in EMOTION_LABELS]
)
if not (MEMBERSHIP.sum(1) == 1).all():  # pragma: no cover - a typo in the table above
    raise AssertionError("every GoEmotions label must belong to exactly one Ekman group")


def ekman_targets(targets: np.ndarray) -> np.ndarray:
    """``[N, 7]`` 0/1 Ekman labels from ``[N, 28]`` 0/1 fine labels (union of groups)."""
    return ekman_decisions(np.asarray(targets) >= 0.5).astype(float)


def ekman_decisions(predicted: np.ndarray) -> np.ndarray:
    """``[N, 7]`` bool: a group is on when any member of ``[N, 28]`` bool is on."""
    predicted = np.asarray(predicted, dtype=bool)
    return (predicted[:, :, None] & MEMBERSHIP[None]).any(1)


def ekman_scores(probabilities: np.ndarray) -> np.ndarray:
    """``[N, 7]`` group scores: the max of the members' ``[N, 28]`` probabilities."""
    probabilities = np.asarray(probabilities, dtype=float)
    return np.where(MEMBERSHIP[None], probabilities[:, :, None], -np.inf).max(1)


def ekman_macro_f1(
    probabilities: np.ndarray, targets: np.ndarray, thresholds: np.ndarray | float
) -> float:
    """Macro-F1 over the 7 Ekman classes, with fine ``thresholds`` mapped through the groups."""
    predicted = ekman_decisions(apply_thresholds(probabilities, thresholds))
    return macro_f1(predicted, ekman_targets(targets))
