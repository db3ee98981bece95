"""Regression losses for bounded targets in [0, 1]: MSE with an extreme-value penalty,
plain MSE and Huber (``loss/bentham=mse_penalty|huber``, ``loss/regret=huber|mse``).

They compare values, not logits: the task passes probabilities or sigmoid outputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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


class MSEPenaltyLoss(nn.Module):
    """:func:`mse_extreme_loss` (the seed's MSE + extreme-value penalty)."""

    takes_logits = False

    def __init__(self, penalty: float = 1.0) -> None:
        super().__init__()
        if penalty < 0:
            raise ValueError(f"extreme-value penalty must be >= 0, got {penalty}")
        self.penalty = penalty

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_extreme_loss(pred, target, self.penalty)


class HuberLoss(nn.Module):
    """:func:`huber_loss` with threshold ``delta``."""

    takes_logits = False

    def __init__(self, delta: float = 0.5) -> None:
        super().__init__()
        if delta <= 0:
            raise ValueError(f"huber delta must be > 0, got {delta}")
        self.delta = delta

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return huber_loss(pred, target, self.delta)


class MSELoss(nn.Module):
    """Mean squared error."""

    takes_logits = False

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred.float(), target.float())
