"""GoEmotions -> Ekman: the mapping, label union, max scores and macro-F1 by hand."""

from __future__ import annotations

import numpy as np
import pytest

from redheart_lit.evaluation.ekman import (
    EKMAN_GROUPS,
    EKMAN_LABELS,
    ekman_decisions,
    ekman_macro_f1,
    ekman_scores,
    ekman_targets,
)
from redheart_lit.tasks.spec import EMOTION_LABELS

ID = {name: i for i, name in enumerate(EMOTION_LABELS)}
E = {name: i for i, name in enumerate(EKMAN_LABELS)}


def _fine(*names: str) -> np.ndarray:
    row = np.zeros(28)
    row[[ID[n] for n in names]] = 1.0
    return row


def test_mapping_is_goemotions_ekman_plus_neutral() -> None:
    assert EKMAN_LABELS == ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
    assert {g: len(m) for g, m in EKMAN_GROUPS.items()} == {
        "anger": 3, "disgust": 1, "fear": 2, "joy": 12, "sadness": 5, "surprise": 4, "neutral": 1,
    }  # fmt: skip
    members = [m for group in EKMAN_GROUPS.values() for m in group]
    assert sorted(members) == sorted(EMOTION_LABELS)  # each fine label exactly once
    assert set(EKMAN_GROUPS["surprise"]) == {"surprise", "realization", "confusion", "curiosity"}


def test_ekman_labels_are_the_union_of_the_groups() -> None:
    targets = np.stack([_fine("annoyance", "joy"), _fine("neutral"), _fine("grief", "remorse")])
    expected = np.zeros((3, 7))
    expected[0, [E["anger"], E["joy"]]] = 1
    expected[1, E["neutral"]] = 1
    expected[2, E["sadness"]] = 1
    assert ekman_targets(targets).tolist() == expected.tolist()


def test_scores_are_the_max_over_members() -> None:
    p = np.zeros((1, 28))
    p[0, [ID["anger"], ID["annoyance"], ID["disapproval"]]] = [0.2, 0.7, 0.1]
    p[0, ID["neutral"]] = 0.4
    scores = ekman_scores(p)[0]
    assert scores[E["anger"]] == 0.7
    assert scores[E["neutral"]] == 0.4
    assert scores[E["fear"]] == 0.0


def test_a_group_is_predicted_when_any_member_is() -> None:
    predicted = np.zeros((2, 28), dtype=bool)
    predicted[0, ID["curiosity"]] = True
    decisions = ekman_decisions(predicted)
    assert decisions[0].tolist() == [g == "surprise" for g in EKMAN_LABELS]
    assert not decisions[1].any()


def test_ekman_macro_f1_by_hand_with_mapped_thresholds() -> None:
    # Row 0: anger; annoyance at 0.4 (threshold 0.3) predicts anger -> right.
    # Row 1: joy + sadness; joy 0.9 predicted, sadness 0.2 not -> joy right, sadness missed.
    # Row 2: neutral; surprise 0.6 predicted, neutral 0.1 not -> surprise wrong, neutral missed.
    targets = np.stack([_fine("anger"), _fine("joy", "sadness"), _fine("neutral")])
    p = np.zeros((3, 28))
    p[0, ID["annoyance"]] = 0.4
    p[1, ID["joy"]], p[1, ID["sadness"]] = 0.9, 0.2
    p[2, ID["surprise"]], p[2, ID["neutral"]] = 0.6, 0.1
    thresholds = np.full(28, 0.5)
    thresholds[ID["annoyance"]] = 0.3
    # Per class F1: anger 1, joy 1, the other five 0 -> 2/7.
    assert ekman_macro_f1(p, targets, thresholds) == pytest.approx(2 / 7)
    # At 0.5 everywhere annoyance (0.4) is not predicted: anger missed too -> 1/7.
    assert ekman_macro_f1(p, targets, 0.5) == pytest.approx(1 / 7)
