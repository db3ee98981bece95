"""Binary cross-entropy on logits: ``loss/emotion=bce``, ``loss/regret=bce``.

Targets may be soft (a regret of 0.3 is a target probability of 0.3).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BCELoss(nn.Module):
    """Mean binary cross-entropy of logits ``[N]`` or ``[N, K]`` against targets in [0, 1]."""

    takes_logits = True

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits.float(), targets.float())
