"""Binary focal loss against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from redheart_lit.losses import binary_focal_loss


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_gamma_zero_is_binary_cross_entropy() -> None:
    logits = torch.tensor([0.5, -1.0, 2.0])
    targets = torch.tensor([1.0, 0.0, 0.0])
    # BCE: -log p for a positive, -log(1 - p) for a negative.
    expected = (
        -math.log(_sigmoid(0.5)) - math.log(1 - _sigmoid(-1.0)) - math.log(1 - _sigmoid(2.0))
    ) / 3
    assert binary_focal_loss(logits, targets, gamma=0.0).item() == pytest.approx(expected)


def test_gamma_two_on_logit_zero() -> None:
    # p_t = 0.5, so the loss is (1 - 0.5)^2 * log 2 = 0.25 log 2.
    loss = binary_focal_loss(torch.tensor([0.0]), torch.tensor([1.0]), gamma=2.0)
    assert loss.item() == pytest.approx(0.25 * math.log(2))


def test_gamma_two_down_weights_easy_examples() -> None:
    # Confident and right (logit 3, target 1): p_t = sigmoid(3).
    p = _sigmoid(3.0)
    expected = (1 - p) ** 2 * -math.log(p)
    loss = binary_focal_loss(torch.tensor([3.0]), torch.tensor([1.0]), gamma=2.0)
    assert loss.item() == pytest.approx(expected)
    assert expected < 0.01 * -math.log(p)  # far below plain BCE


def test_alpha_weights_positives_and_negatives() -> None:
    # Both at logit 0: (1 - 0.5)^2 log 2 each, times alpha=0.25 (positive) or 0.75 (negative).
    loss = binary_focal_loss(
        torch.tensor([0.0, 0.0]), torch.tensor([1.0, 0.0]), gamma=2.0, alpha=0.25
    )
    expected = (0.25 * 0.25 * math.log(2) + 0.75 * 0.25 * math.log(2)) / 2
    assert loss.item() == pytest.approx(expected)


def test_mean_over_all_elements_of_a_matrix() -> None:
    # [2, 2] logits all 0 with gamma 2: every element costs 0.25 log 2.
    loss = binary_focal_loss(torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert loss.item() == pytest.approx(0.25 * math.log(2))


def test_soft_targets_and_half_precision_inputs() -> None:
    # The loss runs in fp32 even for bf16 logits (mixed precision).
    loss = binary_focal_loss(torch.zeros(3, dtype=torch.bfloat16), torch.full((3,), 0.5))
    assert loss.dtype == torch.float32
    # Target 0.5 at p = 0.5: p_t = 0.5 and BCE = log 2.
    assert loss.item() == pytest.approx(0.25 * math.log(2))


def test_focal_loss_class_checks_its_settings() -> None:
    from redheart_lit.losses import FocalLoss

    logits, targets = torch.zeros(1, 28), torch.zeros(1, 28)
    assert FocalLoss(gamma=0.0)(logits, targets).item() == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        FocalLoss(gamma=-1.0)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        FocalLoss(alpha=1.5)
