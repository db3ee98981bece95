"""Losses for SURD shares that must lie on the simplex (``loss/surd=mse_sum|kl``).

Both read the head's raw non-negative shares ``[N, 4]`` *before* normalisation.
"""

from __future__ import annotations

import torch
from torch import nn

_EPS = 1e-6


def surd_simplex_loss(
    raw: torch.Tensor, target: torch.Tensor, sum_weight: float = 0.1
) -> torch.Tensor:
    """``MSE(raw, target) + sum_weight * mean((sum(raw) - 1)^2)``.

    The sum term teaches the head to emit shares that already sum to one, so normalising
    at inference changes them little. (On softmax outputs the term would be identically
    zero.)
    """
    raw, target = raw.float(), target.float()
    mse = (raw - target).pow(2).mean()
    return mse + sum_weight * (raw.sum(-1) - 1.0).pow(2).mean()


class _SimplexLoss(nn.Module):
    """A loss on raw SURD shares with a ``sum_weight`` x (sum - 1)^2 term."""

    takes_logits = False

    def __init__(self, sum_weight: float = 0.1) -> None:
        super().__init__()
        if sum_weight < 0:
            raise ValueError(f"sum_weight must be >= 0, got {sum_weight}")
        self.sum_weight = sum_weight


class SimplexMSELoss(_SimplexLoss):
    """:func:`surd_simplex_loss`: the seed's MSE + ``sum_weight`` x (sum - 1)^2."""

    def forward(self, raw: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return surd_simplex_loss(raw, target, self.sum_weight)


class SimplexKLLoss(_SimplexLoss):
    """``mean_n KL(target_n || q_n)`` in nats, ``q = raw / sum(raw)``, plus the sum term.

    KL compares distributions, so it ignores the raw shares' scale; ``sum_weight`` keeps the
    same (sum - 1)^2 term as :class:`SimplexMSELoss` so that the raw shares stay near the
    simplex. Zero-target shares contribute nothing (``0 log 0 = 0``).
    """

    def forward(self, raw: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raw, target = raw.float(), target.float()
        q = raw / raw.sum(-1, keepdim=True).clamp_min(_EPS)
        terms = torch.where(
            target > 0, target * (target.clamp_min(_EPS).log() - q.clamp_min(_EPS).log()), 0.0
        )
        return terms.sum(-1).mean() + self.sum_weight * (raw.sum(-1) - 1.0).pow(2).mean()
