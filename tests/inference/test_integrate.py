"""The integrated fields against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from redheart_lit.inference.integrate import (
    certainty,
    encoder_agreement,
    integrated,
    overall_sentiment,
)
from redheart_lit.tasks.spec import EMOTION_LABELS


def _emotions(**values: float) -> np.ndarray:
    row = np.zeros((1, len(EMOTION_LABELS)))
    for name, p in values.items():
        row[0, EMOTION_LABELS.index(name)] = p
    return row


def test_overall_sentiment_is_the_probability_weighted_valence() -> None:
    # joy +1 (0.6), anger -1 (0.2), neutral 0 (0.2): (0.6 - 0.2) / 1.0
    assert overall_sentiment(_emotions(joy=0.6, anger=0.2, neutral=0.2))[0] == pytest.approx(0.4)
    assert overall_sentiment(_emotions(grief=0.9))[0] == pytest.approx(-1.0)


def test_certainty_and_agreement_by_hand() -> None:
    assert certainty(np.array([0.9]), None, np.array([0.5]))[0] == pytest.approx((0.8 + 0) / 2)
    same = np.array([[[1.0, 0.0], [2.0, 0.0]]])  # two encoders, same direction
    opposite = np.array([[[1.0, 0.0], [-1.0, 0.0]]])
    orthogonal = np.array([[[1.0, 0.0], [0.0, 3.0], [1.0, 0.0]]])  # pairs: 0.5, 1, 0.5
    assert encoder_agreement(same)[0] == pytest.approx(1.0)
    assert encoder_agreement(opposite)[0] == pytest.approx(0.0)
    assert encoder_agreement(orthogonal)[0] == pytest.approx(2 / 3)
    assert encoder_agreement(np.ones((2, 1, 4))).tolist() == [1.0, 1.0]


def test_integrated_fields_and_switched_off_tasks() -> None:
    surd = np.array([[0.1, 0.2, 0.3, 0.4]])
    out = integrated(_emotions(joy=0.8), np.array([0.7]), np.array([0.2]), surd, np.array([0.5]))
    assert out["causal_clarity"][0] == pytest.approx(0.6)
    assert out["ethical_score"][0] == pytest.approx(0.7)
    assert out["regret_potential"][0] == pytest.approx(0.2)
    assert out["confidence"][0] == pytest.approx(0.5 * np.mean([0.4, 0.6, 0.6]))
    emotion_only = integrated(_emotions(joy=0.8), None, None, None, np.ones(1))
    assert emotion_only["ethical_score"] is None
    assert emotion_only["causal_clarity"] is None
