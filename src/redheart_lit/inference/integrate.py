"""The ``integrated`` summary fields, each a fixed formula of the model's outputs.

The formulas (and why) are in ``docs/inference.md``; keep the two in step. All inputs are
calibrated probabilities (each task readout's ``probabilities``) or SURD shares, so every field
is in a known range. A field whose task is switched off is None, never a made-up value.

* ``overall_sentiment`` in [-1, 1]: the probability-weighted mean valence of the 28
  emotions, ``sum_k v_k p_k / sum_k p_k`` with ``v`` = +1 positive, -1 negative,
  0 ambiguous/neutral (GoEmotions' own sentiment grouping).
* ``ethical_score`` in [0, 1]: the calibrated probability that the act is acceptable.
* ``regret_potential`` in [0, 1]: the calibrated regret probability.
* ``causal_clarity`` in [0, 1]: ``1 - leak``, the share of the ethical label's uncertainty
  that emotion, utility and regret explain together (the SURD head's estimate).
* ``confidence`` in [0, 1]: ``certainty * agreement``. Certainty is the mean of
  ``|2p - 1|`` over the calibrated binary outputs present (acceptability, regret, and the
  top emotion's probability): 0 at a coin flip, 1 when sure. Agreement is the encoders'
  agreement (:func:`encoder_agreement`), 1 with a single input encoder.
"""

from __future__ import annotations

import numpy as np

from redheart_lit.tasks.spec import EMOTION_VALENCE

VALENCE = np.asarray(EMOTION_VALENCE)


def overall_sentiment(emotion: np.ndarray) -> np.ndarray:
    """``[N]`` in [-1, 1] from ``[N, 28]`` emotion probabilities."""
    return (emotion @ VALENCE) / np.clip(emotion.sum(1), 1e-12, None)


def certainty(*probabilities: np.ndarray | None) -> np.ndarray:
    """``[N]`` mean of ``|2p - 1|`` over the ``[N]`` probability arrays that are present."""
    present = [np.abs(2 * p - 1) for p in probabilities if p is not None]
    if not present:
        raise ValueError("certainty needs at least one probability output")
    return np.mean(present, axis=0)


def encoder_agreement(pooled: np.ndarray) -> np.ndarray:
    """``[N]`` in [0, 1]: mean pairwise ``(1 + cos) / 2`` of the K encoders' projected,
    mean-pooled states ``[N, K, D]`` (in the shared backbone space, after each encoder's
    own projection and norm). 1 means they read the text alike; K = 1 gives 1."""
    n, k, _ = pooled.shape
    if k == 1:
        return np.ones(n)
    unit = pooled / np.clip(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12, None)
    cos = unit @ unit.transpose(0, 2, 1)  # [N, K, K]
    pairs = np.triu_indices(k, 1)
    return ((1 + cos[:, pairs[0], pairs[1]]) / 2).mean(1)


def integrated(
    emotion: np.ndarray | None,
    acceptability: np.ndarray | None,
    regret: np.ndarray | None,
    surd: np.ndarray | None,
    agreement: np.ndarray,
) -> dict[str, np.ndarray | None]:
    """The five fields for a batch; each ``[N]`` or None when its task is off."""
    top_emotion = emotion.max(1) if emotion is not None else None
    return {
        "overall_sentiment": overall_sentiment(emotion) if emotion is not None else None,
        "ethical_score": acceptability,
        "regret_potential": regret,
        "causal_clarity": 1.0 - surd[:, 3] if surd is not None else None,
        "confidence": certainty(acceptability, regret, top_emotion) * agreement,
    }
