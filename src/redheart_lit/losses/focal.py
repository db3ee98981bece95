"""Binary focal loss (Lin et al., 2017) for multi-label emotion targets."""

from __future__ import annotations

import torch
import torch.nn.functional as F


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
