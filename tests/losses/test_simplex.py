"""SURD simplex loss: MSE + sum_weight * (sum(raw) - 1)^2."""

from __future__ import annotations

import math

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


def test_kl_by_hand() -> None:
    from redheart_lit.losses import SimplexKLLoss

    # Raw (1, 1, 1, 1) normalises to 1/4 each and sums to 4: KL(t || 1/4) + 0.1 (4 - 1)^2.
    target = torch.tensor([[0.5, 0.5, 0.0, 0.0]])
    expected = 2 * 0.5 * math.log(0.5 / 0.25) + 0.1 * 9
    loss = SimplexKLLoss(sum_weight=0.1)(torch.ones(1, 4), target)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_kl_is_zero_at_the_target_on_the_simplex() -> None:
    from redheart_lit.losses import SimplexKLLoss

    target = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    assert SimplexKLLoss()(target.clone(), target).item() == pytest.approx(0.0, abs=1e-7)


def test_simplex_losses_reject_a_negative_sum_weight() -> None:
    from redheart_lit.losses import SimplexKLLoss, SimplexMSELoss

    for cls in (SimplexKLLoss, SimplexMSELoss):
        with pytest.raises(ValueError, match="sum_weight must be >= 0"):
            cls(sum_weight=-0.1)
