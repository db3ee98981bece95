"""Regression losses for bounded targets: MSE with an extreme-value penalty, and Huber."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def mse_extreme_loss(
    pred: torch.Tensor, target: torch.Tensor, penalty: float = 1.0
) -> torch.Tensor:
    """``mean((1 + penalty * (2y - 1)^2) * (pred - y)^2)`` for targets ``y`` in [0, 1].

    Plain MSE lets a model sit near 0.5 for every factor. The weight grows from 1 at
    ``y = 0.5`` to ``1 + penalty`` at ``y in {0, 1}``, so errors on clear-cut (extreme)
    judgements cost more than errors on ambivalent ones.
    """
    pred, target = pred.float(), target.float()
    weight = 1.0 + penalty * (2.0 * target - 1.0).pow(2)
    return (weight * (pred - target).pow(2)).mean()


def huber_loss(pred: torch.Tensor, target: torch.Tensor, delta: float = 0.5) -> torch.Tensor:
    """Huber loss: quadratic within ``delta`` of the target, linear beyond (robust to noisy labels)."""
    return F.huber_loss(pred.float(), target.float(), delta=delta)
