"""Utility module: temperature calibration of one sigmoid output.

Job: make a reported 0.8 mean "right 80% of the time". A :class:`Temperature` holds one
temperature per logit column (the emotion task: one per label; acceptability and regret:
one) that divides the logits before the sigmoid. It is never trained by the task loss
(that would undo it); :meth:`Temperature.fit` sets it by minimising the negative
log-likelihood of validation logits (Guo et al., 2017), and the task that owns it refits
it after every validation epoch, so each checkpoint carries temperatures that match its
weights. Switch off with ``model.config.aux.calibration.enabled=false``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# Temperatures outside [e^-3, e^3] = [0.05, 20] mean a degenerate fit (one class only, ...).
LOG_T_LIMIT = 3.0


class Temperature(nn.Module):
    """``n`` temperatures, stored as their logarithm in a buffer ``log_t [n]``.

    A buffer, not a parameter: no optimizer step may touch it.
    """

    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("log_t", torch.zeros(n))

    @property
    def value(self) -> torch.Tensor:
        return self.log_t.exp()

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated probabilities for ``logits`` ``[B]`` (n = 1) or ``[B, n]``."""
        t = self.value
        return torch.sigmoid(logits / (t if logits.dim() > 1 else t[0]))

    @torch.no_grad()
    def fit(self, logits: torch.Tensor, targets: torch.Tensor, steps: int = 50) -> None:
        """Fit on validation ``logits``/``targets`` ``[N]`` or ``[N, n]`` (soft targets allowed)."""
        if logits.numel() == 0:
            return
        logits, targets = logits.float().detach(), targets.float().detach()
        if logits.dim() == 1:
            logits, targets = logits[:, None], targets[:, None]
        log_t = self.log_t.detach().clone().float().requires_grad_(True)
        # A fixed step (lr=0.1, no line search) diverged to NaN on 40 rows of sparse
        # emotion labels; the strong-Wolfe line search keeps every step a descent step.
        optimizer = torch.optim.LBFGS(
            [log_t], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe"
        )

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            # Clamped inside the loss too: the line search may try a far step, and an
            # overflowing exp() there would give NaN gradients.
            t = log_t.clamp(-LOG_T_LIMIT, LOG_T_LIMIT).exp()
            loss = F.binary_cross_entropy_with_logits(logits / t, targets)
            loss.backward()
            return loss

        with torch.enable_grad():
            optimizer.step(closure)
        if not torch.isfinite(log_t).all():
            raise FloatingPointError(
                f"temperature fit diverged on {len(logits)} rows (logits {logits.min():.3g}"
                f" to {logits.max():.3g}); the validation logits are not usable"
            )
        self.log_t.copy_(log_t.detach().clamp(-LOG_T_LIMIT, LOG_T_LIMIT))
