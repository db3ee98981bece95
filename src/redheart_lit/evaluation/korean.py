"""Korean cultural composites 정 (jeong), 한 (han) and 체면 (chemyeon), derived from emotions.

These are **derived outputs, not trained or validated labels**: no data set in this
project labels them, so no metric can say how right they are. Each composite is a fixed,
hand-chosen weighted mean of GoEmotions probabilities,

    composite = sum_k w_k * p_k        (weights sum to 1, so the composite is in [0, 1])

a summary of how strongly the contributing emotions are expressed, not the probability
that the concept applies. What each concept means and why each weight was chosen is in
``docs/korean_composites.md``; keep the two in step.
"""

from __future__ import annotations

import numpy as np

from redheart_lit.tasks.spec import EMOTION_LABELS

KOREAN_COMPOSITES: dict[str, dict[str, float]] = {
    # 정: affectionate attachment built over shared time; care and warmth toward others.
    "jeong": {"caring": 0.35, "love": 0.35, "gratitude": 0.20, "approval": 0.10},
    # 한: accumulated, unresolved sorrow and grievance over loss or injustice, with longing.
    "han": {"sadness": 0.25, "grief": 0.25, "disappointment": 0.20, "anger": 0.15,
            "desire": 0.15},
    # 체면: face, one's standing in others' eyes; the worry of losing it, the pride of keeping it.
    "chemyeon": {"embarrassment": 0.35, "nervousness": 0.20, "pride": 0.20,
                 "disapproval": 0.15, "remorse": 0.10},
}  # fmt: skip
COMPOSITE_NAMES: tuple[str, ...] = tuple(KOREAN_COMPOSITES)

# [28, 3]: WEIGHTS[i, c] is the weight of emotion label i in composite c.
WEIGHTS = np.array(
    [[KOREAN_COMPOSITES[c].get(label, 0.0) for c in COMPOSITE_NAMES] for label in EMOTION_LABELS]
)
_unknown = {k for weights in KOREAN_COMPOSITES.values() for k in weights} - set(EMOTION_LABELS)
if _unknown or not np.allclose(WEIGHTS.sum(0), 1.0):  # pragma: no cover - a typo above
    raise AssertionError(f"composite weights must name GoEmotions labels and sum to 1 ({_unknown})")


def korean_composites(probabilities: np.ndarray) -> np.ndarray:
    """``[N, 3]`` composites (jeong, han, chemyeon) from ``[N, 28]`` emotion probabilities."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(EMOTION_LABELS):
        raise ValueError(
            f"expected [N, {len(EMOTION_LABELS)}] probabilities, got {probabilities.shape}"
        )
    return probabilities @ WEIGHTS
