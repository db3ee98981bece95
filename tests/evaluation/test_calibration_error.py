"""Expected calibration error against a hand computation and torchmetrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchmetrics.functional.classification import binary_calibration_error

from redheart_lit.evaluation.calibration_error import expected_calibration_error


def test_ece_by_hand() -> None:
    # Five bins of width 0.2. Bin 0: {0.1}, label 0 -> gap 0.1. Bin 1: {0.3}, label 1 ->
    # gap 0.7. Bin 3: {0.7}, label 0 -> gap 0.7. Bin 4: {0.85, 0.95}, labels 1, 1 -> mean
    # 0.9, gap 0.1. ECE = (1 * 0.1 + 1 * 0.7 + 1 * 0.7 + 2 * 0.1) / 5 = 0.34.
    p = np.array([0.1, 0.3, 0.85, 0.95, 0.7])
    y = np.array([0, 1, 1, 1, 0])
    assert expected_calibration_error(p, y, n_bins=5) == pytest.approx(0.34)


def test_every_label_decision_counts_and_shape_does_not_matter() -> None:
    p = np.array([[0.1, 0.3], [0.85, 0.95]])
    y = np.array([[0, 1], [1, 1]])
    flat = expected_calibration_error(p.ravel(), y.ravel(), n_bins=5)
    assert expected_calibration_error(p, y, n_bins=5) == pytest.approx(flat)
    # Bins 0 (gap 0.1), 1 (gap 0.7), 4 (mean 0.9, gap 0.1 twice): (0.1 + 0.7 + 0.2) / 4.
    assert flat == pytest.approx(0.25)


def test_extremes() -> None:
    assert expected_calibration_error(np.ones(3), np.ones(3)) == 0.0
    assert expected_calibration_error(np.ones(3), np.zeros(3)) == 1.0
    # p = 1 falls into the last bin, not past it.
    assert expected_calibration_error(np.array([1.0, 0.0]), np.array([1, 0]), n_bins=15) == 0.0


def test_agrees_with_torchmetrics_default_of_15_bins() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p**2).astype(int)  # miscalibrated on purpose
    expected = binary_calibration_error(torch.tensor(p), torch.tensor(y), n_bins=15).item()
    assert expected_calibration_error(p, y) == pytest.approx(expected, abs=1e-6)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="no rows"):
        expected_calibration_error(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error(np.array([1.2]), np.array([1]))
