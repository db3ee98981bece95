"""Per-label threshold tuning: F1-optimal on a constructed case, tie rules, untuned labels."""

from __future__ import annotations

import numpy as np
import pytest

from redheart_lit.model.aux.thresholds import GRID, tune_thresholds


def test_grid_is_one_hundredth_steps_from_0_01_to_0_99() -> None:
    assert len(GRID) == 99
    assert GRID[0] == 0.01
    assert GRID[-1] == 0.99
    assert GRID[34] == 0.35


def test_picks_the_f1_optimal_threshold() -> None:
    # Positives at 0.8 and 0.62, negatives at 0.65 and 0.2, plus a positive at 0.3.
    # Predicted sets as the threshold falls: {0.8} F1 2/4, {0.8, 0.65} 2/5,
    # {0.8, 0.65, 0.62} 4/6, {.., 0.3} 6/7 on 0.21..0.30, all rows 6/8 below 0.21.
    p = np.array([[0.8], [0.65], [0.62], [0.3], [0.2]])
    y = np.array([[1], [0], [1], [1], [0]])
    fit = tune_thresholds(p, y)
    assert fit.thresholds[0] == 0.30  # the best F1 (6/7), closest to 0.5 among 0.21..0.30
    assert fit.f1[0] == pytest.approx(6 / 7)
    assert fit.tuned.tolist() == [True]


def test_equally_good_thresholds_go_to_the_one_closest_to_one_half() -> None:
    # F1 = 1 on 0.31..0.35 (positives 0.9, 0.355; negatives 0.3, 0.1).
    fit = tune_thresholds(np.array([[0.9], [0.355], [0.3], [0.1]]), np.array([[1], [1], [0], [0]]))
    assert fit.thresholds[0] == 0.35
    # F1 = 1 everywhere from 0.21 to 0.80: 0.5 itself wins.
    fit = tune_thresholds(np.array([[0.8], [0.2]]), np.array([[1], [0]]))
    assert fit.thresholds[0] == 0.5


def test_equally_close_ties_go_to_the_lower_threshold() -> None:
    # Positives 0.25 and 0.8, negatives 0.49 and 0.74. F1 = 2/3 when all rows are
    # predicted (thresholds 0.01..0.25) and when only 0.8 is (0.75..0.80); in between it
    # is lower. 0.25 and 0.75 are both 0.25 away from 0.5: the lower one wins.
    p = np.array([[0.25], [0.49], [0.74], [0.8]])
    y = np.array([[1], [0], [0], [1]])
    fit = tune_thresholds(p, y)
    assert fit.thresholds[0] == 0.25
    assert fit.f1[0] == pytest.approx(2 / 3)


def test_labels_without_positives_keep_one_half_and_are_reported() -> None:
    p = np.array([[0.9, 0.8, 0.1], [0.1, 0.7, 0.2]])
    y = np.array([[1, 0, 0], [0, 0, 1]])
    fit = tune_thresholds(p, y)
    assert fit.thresholds[1] == 0.5
    assert fit.tuned.tolist() == [True, False, True]
    assert fit.untuned_labels(("a", "b", "c")) == ["b"]


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="one shape"):
        tune_thresholds(np.zeros((3, 2)), np.zeros((3, 3)))
