"""Utility module: temperature calibration of the probabilistic outputs.

Job: make a reported 0.8 mean "right 80% of the time". One temperature per emotion label,
one for acceptability and one for regret divide the logits before the sigmoid. They are
never trained by the task loss (it would undo them); :meth:`fit` sets them by minimising
the negative log-likelihood of validation logits (Guo et al., 2017), and the Lightning
module refits them after every validation epoch, so each checkpoint carries temperatures
that match its weights. Switch off with ``model.config.aux.calibration.enabled=false``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.tasks import EMOTION_LABELS

# Which logits have temperatures, and how many each.
CALIBRATED = {"emotion": len(EMOTION_LABELS), "acceptability": 1, "regret": 1}


class TemperatureCalibration(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        for key, n in CALIBRATED.items():
            # Buffers, not parameters: no optimizer step may touch them.
            self.register_buffer(f"log_t_{key}", torch.zeros(n))

    def temperature(self, key: str) -> torch.Tensor:
        return getattr(self, f"log_t_{key}").exp()

    def forward(self, key: str, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated probabilities for ``logits`` ``[B]`` or ``[B, n]``."""
        t = self.temperature(key)
        return torch.sigmoid(logits / (t if logits.dim() > 1 else t[0]))

    @torch.no_grad()
    def fit(self, key: str, logits: torch.Tensor, targets: torch.Tensor, steps: int = 50) -> None:
        """Fit the temperatures of ``key`` on ``logits``/``targets`` (soft targets allowed).

        For the emotion key each label gets its own temperature: ``logits`` ``[N, 28]``.
        """
        if logits.numel() == 0:
            return
        logits, targets = logits.float().detach(), targets.float().detach()
        if logits.dim() == 1:
            logits, targets = logits[:, None], targets[:, None]
        log_t = getattr(self, f"log_t_{key}").detach().clone().float().requires_grad_(True)
        optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=steps)

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(logits / log_t.exp(), targets)
            loss.backward()
            return loss

        with torch.enable_grad():
            optimizer.step(closure)
        # Temperatures outside [0.05, 20] mean the fit was degenerate (e.g. one class only).
        getattr(self, f"log_t_{key}").copy_(log_t.detach().clamp(-3.0, 3.0))
