"""Binary focal loss (Lin et al., 2017) for multi-label targets: ``loss/emotion=focal``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def binary_focal_loss(
    logits: torch.Tensor, targets: torch.Tensor, gamma: float = 2.0, alpha: float | None = None
) -> torch.Tensor:
    """Mean of ``-alpha_t (1 - p_t)^gamma log p_t`` over all elements.

    GoEmotions is imbalanced (most labels are rare): ``(1 - p_t)^gamma`` shrinks the loss of
    examples the model already gets right so the rare positives are not drowned out.
    ``alpha`` (if set) weights positives by ``alpha`` and negatives by ``1 - alpha``.
    """
    logits, targets = logits.float(), targets.float()
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p = torch.sigmoid(logits)
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = (1 - p_t).pow(gamma) * bce
    if alpha is not None:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return loss.mean()


class FocalLoss(nn.Module):
    """:func:`binary_focal_loss` on logits ``[N, K]`` and multi-hot targets ``[N, K]``."""

    takes_logits = True

    def __init__(self, gamma: float = 2.0, alpha: float | None = None) -> None:
        super().__init__()
        if gamma < 0:
            raise ValueError(f"focal gamma must be >= 0, got {gamma}")
        if alpha is not None and not 0.0 < alpha < 1.0:
            raise ValueError(f"focal alpha must be in (0, 1) or null, got {alpha}")
        self.gamma, self.alpha = gamma, alpha

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return binary_focal_loss(logits, targets, self.gamma, self.alpha)
