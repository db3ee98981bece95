"""MSE with the extreme-value penalty, and Huber, against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.losses import huber_loss, mse_extreme_loss


@pytest.mark.parametrize(
    ("target", "weight"),
    [(0.0, 2.0), (1.0, 2.0), (0.5, 1.0), (0.25, 1.25)],
)
def test_weight_grows_from_one_at_half_to_one_plus_penalty_at_the_ends(
    target: float, weight: float
) -> None:
    # Error 0.1 everywhere: loss = weight * 0.01, weight = 1 + (2y - 1)^2 with penalty 1.
    pred = torch.tensor([target + 0.1 if target < 1 else 0.9])
    loss = mse_extreme_loss(pred, torch.tensor([target]), penalty=1.0)
    assert loss.item() == pytest.approx(weight * 0.01, rel=1e-5)


def test_mean_over_elements_with_a_larger_penalty() -> None:
    pred = torch.tensor([0.5, 0.0, 0.2])
    target = torch.tensor([1.0, 0.5, 0.0])
    # penalty 3: weights 4, 1, 4; squared errors 0.25, 0.25, 0.04.
    expected = (4 * 0.25 + 1 * 0.25 + 4 * 0.04) / 3
    assert mse_extreme_loss(pred, target, penalty=3.0).item() == pytest.approx(expected)


def test_zero_penalty_is_plain_mse() -> None:
    pred = torch.tensor([[0.1, 0.9], [0.4, 0.4]])
    target = torch.tensor([[0.0, 1.0], [0.5, 0.2]])
    expected = (0.01 + 0.01 + 0.01 + 0.04) / 4
    assert mse_extreme_loss(pred, target, penalty=0.0).item() == pytest.approx(expected)


def test_huber_is_quadratic_within_delta_and_linear_beyond() -> None:
    pred = torch.tensor([0.2, 1.0])
    target = torch.tensor([0.0, 0.0])
    # |d| = 0.2 <= 0.5: 0.5 * 0.2^2 = 0.02; |d| = 1.0 > 0.5: 0.5 * (1.0 - 0.5 * 0.5) = 0.375.
    expected = (0.02 + 0.375) / 2
    assert huber_loss(pred, target, delta=0.5).item() == pytest.approx(expected)


def test_loss_classes_match_the_functions_and_check_their_settings() -> None:
    from redheart_lit.losses import HuberLoss, MSELoss, MSEPenaltyLoss

    pred, target = torch.tensor([0.2, 0.9]), torch.tensor([0.0, 0.5])
    assert MSEPenaltyLoss(2.0)(pred, target).item() == pytest.approx(
        mse_extreme_loss(pred, target, 2.0).item()
    )
    assert HuberLoss(0.3)(pred, target).item() == pytest.approx(
        huber_loss(pred, target, 0.3).item()
    )
    assert MSELoss()(pred, target).item() == pytest.approx((0.04 + 0.16) / 2)
    with pytest.raises(ValueError, match="huber delta must be > 0"):
        HuberLoss(0.0)
    with pytest.raises(ValueError, match="penalty must be >= 0"):
        MSEPenaltyLoss(-1.0)
