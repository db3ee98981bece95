"""Kalman: a differentiable state estimator over sentence-level states.

Job: ethical weight and regret build up across sentences ("I borrowed it. I never gave
it back."). Each sentence's mean token state is encoded into an observation ``y_t`` and
its noise ``r_t`` (both learned, so a vague sentence can count for less). A linear-Gaussian
state model ``z_t = A z_{t-1} + w``, ``y_t = z_t + v`` is filtered over the sentences with
a diagonal covariance, which keeps every step elementwise and cheap:

    m' = A m,  P' = (A * A) P + q          (exact diagonal of A diag(P) A^T)
    K  = P' / (P' + r_t),  m = m' + K (y_t - m'),  P = (1 - K) P'

Padding sentences skip the update. The final mean and log-variance go through an MLP to
``D`` and are added to the inputs of the Bentham and regret heads. Switch off with
``model.config.aux.kalman.enabled=false``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.model.config import KalmanConfig


class KalmanStateEstimator(nn.Module):
    def __init__(self, dim: int, config: KalmanConfig) -> None:
        super().__init__()
        s = config.state_dim
        self.max_sentences = config.max_sentences
        self.observe = nn.Sequential(
            nn.Linear(dim, config.hidden), nn.GELU(), nn.Linear(config.hidden, 2 * s)
        )
        # Start near identity dynamics: a state that persists unless evidence moves it.
        self.transition = nn.Parameter(torch.eye(s) * 0.9)
        self.log_q = nn.Parameter(torch.full((s,), -2.0))
        # Weight decay would pull the dynamics towards "forget everything" (A = 0).
        self.no_weight_decay = ("transition",)
        self.readout = nn.Sequential(
            nn.Linear(2 * s, config.hidden), nn.GELU(), nn.Linear(config.hidden, dim)
        )

    def sentence_states(
        self, states: torch.Tensor, mask: torch.Tensor, sentence_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean token state per sentence: ``[B, S, D]`` and a ``[B, S]`` mask of real ones."""
        b, _, d = states.shape
        ids = sentence_ids.clamp(max=self.max_sentences - 1)
        weights = mask.to(states.dtype)
        sums = states.new_zeros(b, self.max_sentences, d)
        sums = sums.scatter_add(1, ids.unsqueeze(-1).expand(-1, -1, d), states * weights[..., None])
        counts = states.new_zeros(b, self.max_sentences).scatter_add(1, ids, weights)
        return sums / counts.clamp_min(1.0).unsqueeze(-1), counts > 0

    def forward(
        self, states: torch.Tensor, mask: torch.Tensor, sentence_ids: torch.Tensor
    ) -> torch.Tensor:
        """states ``[B, L, D]``, mask/sentence_ids ``[B, L]`` -> features ``[B, D]``."""
        sentences, present = self.sentence_states(states, mask, sentence_ids)
        y, raw_r = self.observe(sentences).float().chunk(2, dim=-1)  # [B, S, s] each
        r = F.softplus(raw_r) + 1e-4
        a = self.transition.float()
        q = self.log_q.float().exp()
        m = y.new_zeros(y.shape[0], y.shape[-1])
        p = torch.ones_like(m)
        for t in range(sentences.shape[1]):
            m_pred = m @ a.T
            p_pred = p @ (a * a).T + q
            gain = p_pred / (p_pred + r[:, t])
            keep = present[:, t, None]
            m = torch.where(keep, m_pred + gain * (y[:, t] - m_pred), m)
            p = torch.where(keep, (1 - gain) * p_pred, p)
        return self.readout(torch.cat([m, p.log()], dim=-1).to(states.dtype))
