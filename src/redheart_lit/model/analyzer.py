"""Per-task analyzers: deeper task-specific reading of the backbone's token states."""

from __future__ import annotations

import torch
from torch import nn

from redheart_lit.model.blocks import AttentionPool, TransformerStack, masked_mean
from redheart_lit.model.config import AnalyzerConfig


class Analyzer(nn.Module):
    """A transformer stack over the token states, then attention pooling.

    Returns ``(token_states [B, L, D], pooled [B, D])``. The token states also feed the
    DSP module (emotion) so that it sees the emotion-specific representation.
    """

    def __init__(self, dim: int, n_heads: int, dropout: float, config: AnalyzerConfig) -> None:
        super().__init__()
        self.stack = TransformerStack(dim, config.n_layers, n_heads, config.ffn_dim, dropout)
        self.pool = AttentionPool(dim)

    def forward(
        self, states: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.stack(states, mask)
        return states, self.pool(states, mask)


class MeanPool(nn.Module):
    """What a task reads when its analyzer is switched off: the backbone states, mean-pooled."""

    def forward(
        self, states: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return states, masked_mean(states, mask)
