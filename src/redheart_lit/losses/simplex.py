"""Loss for SURD shares that must lie on the simplex."""

from __future__ import annotations

import torch


def surd_simplex_loss(
    raw: torch.Tensor, target: torch.Tensor, sum_weight: float = 0.1
) -> torch.Tensor:
    """``MSE(raw, target) + sum_weight * mean((sum(raw) - 1)^2)``.

    ``raw`` ``[N, 4]`` are non-negative shares *before* normalisation; the sum term teaches
    the head to emit shares that already sum to one, so normalising at inference changes
    them little. (On softmax outputs the term would be identically zero.)
    """
    raw, target = raw.float(), target.float()
    mse = (raw - target).pow(2).mean()
    return mse + sum_weight * (raw.sum(-1) - 1.0).pow(2).mean()
