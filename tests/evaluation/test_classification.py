"""F1, accuracy, AUROC and pairwise accuracy against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torchmetrics.functional.classification import binary_auroc

from redheart_lit.evaluation.classification import (
    apply_thresholds,
    auroc,
    average_ranks,
    binary_accuracy,
    cohen_kappa,
    f1_per_label,
    macro_f1,
    mean_absolute_error,
    micro_f1,
    pairwise_accuracy,
)

# Four rows, two labels. Label 0: tp 1 (row 0), fp 1 (row 1), fn 1 (row 2) -> F1 2/4.
# Label 1: tp 1 (row 1), fp 1 (row 3) -> F1 2/3.
PREDICTED = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
TARGETS = np.array([[1, 0], [0, 1], [1, 0], [0, 0]], dtype=float)


def test_f1_by_hand() -> None:
    assert f1_per_label(PREDICTED, TARGETS) == pytest.approx([0.5, 2 / 3])
    assert macro_f1(PREDICTED, TARGETS) == pytest.approx((0.5 + 2 / 3) / 2)
    # Pooled: tp 2, fp 2, fn 1 -> 4 / (4 + 2 + 1).
    assert micro_f1(PREDICTED, TARGETS) == pytest.approx(4 / 7)


def test_label_without_positives_or_predictions_scores_zero_in_the_macro_average() -> None:
    predicted = np.column_stack([PREDICTED, np.zeros(4, dtype=bool)])
    targets = np.column_stack([TARGETS, np.zeros(4)])
    assert f1_per_label(predicted, targets)[2] == 0.0
    assert macro_f1(predicted, targets) == pytest.approx((0.5 + 2 / 3) / 3)
    assert micro_f1(predicted, targets) == pytest.approx(4 / 7)


def test_thresholds_are_per_label_and_inclusive() -> None:
    probabilities = np.array([[0.3, 0.6], [0.29, 0.7]])
    assert apply_thresholds(probabilities, np.array([0.3, 0.7])).tolist() == [
        [True, False],
        [False, True],
    ]
    assert apply_thresholds(probabilities, 0.5).tolist() == [[False, True], [False, True]]


def test_binary_accuracy_binarises_both_sides_at_one_half() -> None:
    # Decisions 1, 1, 0, 0 against targets 1, 0, 0, 1 (0.7 >= 0.5): right, wrong, right, wrong.
    assert binary_accuracy(np.array([0.9, 0.5, 0.2, 0.4]), np.array([1, 0, 0, 0.7])) == 0.5


def test_average_ranks_share_ties() -> None:
    assert average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]
    assert average_ranks(np.array([5.0, 5.0, 5.0])).tolist() == [2.0, 2.0, 2.0]


def test_auroc_with_ties_by_hand() -> None:
    # Positives 0.4 and 0.8, negatives 0.1 and 0.4. Pairs (pos, neg): (0.4, 0.1) 1,
    # (0.4, 0.4) 1/2, (0.8, 0.1) 1, (0.8, 0.4) 1 -> 3.5 / 4.
    scores, targets = np.array([0.1, 0.4, 0.4, 0.8]), np.array([0, 0, 1, 1])
    assert auroc(scores, targets) == pytest.approx(0.875)
    assert auroc(np.full(4, 0.3), targets) == pytest.approx(0.5)
    assert auroc(np.array([0.1, 0.2, 0.3, 0.4]), targets) == 1.0
    assert auroc(np.array([0.4, 0.3, 0.2, 0.1]), targets) == 0.0


def test_auroc_agrees_with_torchmetrics_on_tied_scores() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 200) / 4  # five distinct values: many ties
    targets = rng.integers(0, 2, 200)
    expected = binary_auroc(torch.tensor(scores), torch.tensor(targets)).item()
    assert auroc(scores, targets) == pytest.approx(expected, abs=1e-6)


def test_auroc_with_one_class_is_nan_not_one_half() -> None:
    assert math.isnan(auroc(np.array([0.2, 0.9]), np.array([1, 1])))
    assert math.isnan(auroc(np.array([0.2, 0.9]), np.array([0.1, 0.3])))  # both below 0.5


def test_pairwise_accuracy_by_hand() -> None:
    # Differences 1, -1, 0, -2 against preferences 1, 1, 0, 0: right, wrong, tie (1/2), right.
    value = pairwise_accuracy(
        np.array([1.0, 0.0, 2.0, 1.0]), np.array([0.0, 1.0, 2.0, 3.0]), np.array([1, 1, 0, 0])
    )
    assert value == pytest.approx(2.5 / 4)


def test_mean_absolute_error_over_every_element() -> None:
    assert mean_absolute_error(np.array([[0.5, 1.0], [0.0, 0.0]]), np.zeros((2, 2))) == 0.375


@pytest.mark.parametrize(
    "call",
    [
        lambda: macro_f1(np.zeros((0, 2), dtype=bool), np.zeros((0, 2))),
        lambda: binary_accuracy(np.zeros(0), np.zeros(0)),
        lambda: auroc(np.zeros(0), np.zeros(0)),
        lambda: pairwise_accuracy(np.zeros(0), np.zeros(0), np.zeros(0)),
    ],
)
def test_no_rows_is_an_error_not_a_number(call) -> None:
    with pytest.raises(ValueError, match="no rows"):
        call()


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        binary_accuracy(np.zeros(3), np.zeros(2))


def test_cohen_kappa_by_hand() -> None:
    # a = 1 1 0 0, b = 1 0 0 0: p_o = 3/4; rates 1/2 and 1/4, so
    # p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2 and kappa = (3/4 - 1/2) / (1 - 1/2) = 1/2.
    a = np.array([[1, 1], [1, 0], [0, 1], [0, 0]])
    b = np.array([[1, 1], [0, 0], [0, 1], [0, 0]])
    # Column 2 agrees on every row: p_o = 1, p_e = 1/2 * 1/2 * 2 = 1/2, kappa = 1.
    assert cohen_kappa(a, b) == pytest.approx([0.5, 1.0])
    assert cohen_kappa(a[:, 0], b[:, 0]) == pytest.approx([0.5])


def test_cohen_kappa_is_nan_when_both_raters_use_one_class() -> None:
    assert math.isnan(cohen_kappa(np.zeros(3), np.zeros(3))[0])
    # One rater constant, the other not: defined (p_e < 1), here 0.
    assert cohen_kappa(np.zeros(4), np.array([0, 0, 0, 1]))[0] == pytest.approx(0.0)


def test_cohen_kappa_matches_sklearn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, (40, 5)), rng.integers(0, 2, (40, 5))
    expected = [metrics.cohen_kappa_score(a[:, k], b[:, k]) for k in range(5)]
    assert cohen_kappa(a, b) == pytest.approx(expected)
