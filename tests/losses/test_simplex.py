"""SURD simplex loss: MSE + sum_weight * (sum(raw) - 1)^2."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.losses import surd_simplex_loss


def test_value_by_hand() -> None:
    raw = torch.tensor([[0.2, 0.3, 0.1, 0.1]])
    target = torch.tensor([[0.25, 0.25, 0.25, 0.25]])
    mse = (0.05**2 + 0.05**2 + 0.15**2 + 0.15**2) / 4  # 0.0125
    sum_term = (0.7 - 1.0) ** 2  # 0.09
    assert surd_simplex_loss(raw, target, sum_weight=0.1).item() == pytest.approx(
        mse + 0.1 * sum_term
    )


def test_shares_on_target_cost_nothing() -> None:
    target = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    assert surd_simplex_loss(target.clone(), target).item() == pytest.approx(0.0, abs=1e-7)


def test_sum_term_is_a_mean_over_rows() -> None:
    target = torch.tensor([[0.25] * 4, [0.25] * 4])
    raw = torch.tensor([[0.5] * 4, [0.25] * 4])  # row 0 sums to 2, row 1 to 1
    mse = (4 * 0.25**2 + 4 * 0.0) / 8
    sum_term = ((2.0 - 1.0) ** 2 + 0.0) / 2
    assert surd_simplex_loss(raw, target, sum_weight=0.5).item() == pytest.approx(
        mse + 0.5 * sum_term
    )


def test_zero_sum_weight_is_plain_mse() -> None:
    raw = torch.tensor([[0.0, 0.0, 0.0, 0.2]])
    target = torch.tensor([[0.0, 0.0, 0.0, 0.4]])
    assert surd_simplex_loss(raw, target, sum_weight=0.0).item() == pytest.approx(0.04 / 4)
