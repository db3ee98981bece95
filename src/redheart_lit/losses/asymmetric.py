"""Asymmetric loss (Ridnik et al., ICCV 2021) for multi-label targets: ``loss/emotion=asymmetric``.

Multi-label data has far more negatives than positives. ASL focuses the negatives more
strongly than the positives (``gamma_neg > gamma_pos``) and shifts negative probabilities
down by a margin ``clip`` before focusing, which discards very easy negatives entirely:

    L+ = (1 - p)^gamma_pos * log(p)
    L- = p_m^gamma_neg * log(1 - p_m),   p_m = max(p - clip, 0)
    loss = -mean(y * L+ + (1 - y) * L-)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class AsymmetricLoss(nn.Module):
    takes_logits = True

    def __init__(self, gamma_pos: float = 0.0, gamma_neg: float = 4.0, clip: float = 0.05) -> None:
        super().__init__()
        if gamma_pos < 0 or gamma_neg < 0:
            raise ValueError(f"asymmetric gammas must be >= 0, got {gamma_pos}, {gamma_neg}")
        if not 0.0 <= clip < 1.0:
            raise ValueError(f"asymmetric clip must be in [0, 1), got {clip}")
        self.gamma_pos, self.gamma_neg, self.clip = gamma_pos, gamma_neg, clip

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits, targets = logits.float(), targets.float()
        p = torch.sigmoid(logits)
        p_m = (p - self.clip).clamp_min(0.0)
        # log(p) and log(1 - p_m) from logits where possible, for stability at extremes.
        log_p = F.logsigmoid(logits)
        log_not_p_m = torch.log((1.0 - p_m).clamp_min(1e-8))
        positive = (1.0 - p).pow(self.gamma_pos) * log_p
        negative = p_m.pow(self.gamma_neg) * log_not_p_m
        return -(targets * positive + (1.0 - targets) * negative).mean()
