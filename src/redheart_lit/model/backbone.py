"""The shared encoder: an input module, then a transformer stack.

Two input modules implement the same seam, ``(tokens or states, mask) -> [B, L, D]``:
:class:`ByteEmbedding` for the own byte tokenizer and :class:`HiddenStateProjection` for
hidden states produced by an external Hugging Face encoder.
"""

from __future__ import annotations

import torch
from torch import nn

from redheart_lit.model.blocks import TransformerStack
from redheart_lit.model.config import BackboneConfig
from redheart_lit.tokenizer import ByteTokenizer


class ByteEmbedding(nn.Module):
    """Token + learned position embeddings for byte ids ``[B, L]``."""

    def __init__(self, dim: int, max_positions: int) -> None:
        super().__init__()
        self.tokens = nn.Embedding(ByteTokenizer.vocab_size, dim)
        self.positions = nn.Embedding(max_positions, dim)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        length = input_ids.shape[1]
        if length > self.positions.num_embeddings:
            raise ValueError(
                f"sequence of {length} tokens exceeds max_positions={self.positions.num_embeddings}"
            )
        positions = torch.arange(length, device=input_ids.device)
        return self.tokens(input_ids) + self.positions(positions)


class HiddenStateProjection(nn.Module):
    """Projects external encoder states ``[B, L, input_dim]`` into the backbone width.

    No position embedding is added: the external encoder's states already encode position.
    """

    def __init__(self, input_dim: int, dim: int) -> None:
        super().__init__()
        self.input_dim = input_dim
        self.proj = nn.Linear(input_dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        if hidden_states.shape[-1] != self.input_dim:
            raise ValueError(
                f"encoder hidden size {hidden_states.shape[-1]} does not match the "
                f"checkpoint's backbone.input_dim={self.input_dim}"
            )
        return self.norm(self.proj(hidden_states))


class Backbone(nn.Module):
    def __init__(self, config: BackboneConfig) -> None:
        super().__init__()
        self.config = config
        if config.input == "bytes":
            self.input = ByteEmbedding(config.d_model, config.max_positions)
        else:
            assert config.input_dim is not None  # checked by BackboneConfig
            self.input = HiddenStateProjection(config.input_dim, config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        self.stack = TransformerStack(
            config.d_model, config.n_layers, config.n_heads, config.ffn_dim, config.dropout
        )

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """inputs: byte ids ``[B, L]`` or hidden states ``[B, L, E]``; returns ``[B, L, D]``."""
        return self.stack(self.dropout(self.input(inputs)), mask)
