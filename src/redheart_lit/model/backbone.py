"""The shared encoder: an input module, then a transformer stack.

Three input modules implement the same seam, ``(tokens or states) -> [B, L, D]``:
:class:`ByteEmbedding` for the own byte tokenizer, :class:`HiddenStateProjection` for
hidden states produced by an external Hugging Face encoder, and :class:`FusedProjection`
for the aligned, concatenated states of several external encoders.
"""

from __future__ import annotations

import torch
from torch import nn

from redheart_lit.model.blocks import TransformerStack
from redheart_lit.model.config import BackboneConfig, EncoderConfig
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


class FusedProjection(nn.Module):
    """Fuses K encoders' token states, aligned to one token grid, into the backbone width.

    Input ``[B, L, sum_k E_k]``: the members' states concatenated on the last axis (see
    :class:`~redheart_lit.encoders.fused.FusedFeatures`). Each member gets its own
    projection and norm, so no member dominates by scale; then

    * ``mean``: a weighted average with learned weights ``softmax(w)`` (one per member,
      the same for every token) -- which encoder to trust, learned from the task loss;
    * ``attention``: per-token weights ``softmax_k(q . h_k / sqrt(D))`` with a learned query
      ``q`` -- a member can count more where its tokenizer segments the text well (a
      Korean encoder on Hangul, an English one on Latin script).
    """

    def __init__(self, dims: tuple[int, ...], dim: int, mode: str) -> None:
        super().__init__()
        if mode not in ("mean", "attention"):
            raise ValueError(f"fusion mode must be 'mean' or 'attention', got {mode!r}")
        self.dims, self.mode = tuple(dims), mode
        self.members = nn.ModuleList(HiddenStateProjection(e, dim) for e in self.dims)
        if mode == "mean":
            self.weight_logits = nn.Parameter(torch.zeros(len(self.dims)))
        else:
            self.query = nn.Parameter(torch.zeros(dim))

    def member_states(self, hidden_states: torch.Tensor) -> torch.Tensor:
        """Each member projected: ``[B, L, K, D]``."""
        if hidden_states.shape[-1] != sum(self.dims):
            raise ValueError(
                f"fused encoder states have size {hidden_states.shape[-1]} but the checkpoint "
                f"expects the members' sizes {list(self.dims)} (sum {sum(self.dims)})"
            )
        parts = hidden_states.split(self.dims, dim=-1)
        return torch.stack([proj(x) for proj, x in zip(self.members, parts, strict=True)], -2)

    def weights(self, states: torch.Tensor) -> torch.Tensor:
        """Fusion weights ``[B, L, K]`` (summing to 1 over K) for member states ``[B, L, K, D]``."""
        if self.mode == "mean":
            return self.weight_logits.softmax(0).to(states.dtype).expand(states.shape[:-1])
        scores = states @ self.query.to(states.dtype) / states.shape[-1] ** 0.5
        return scores.softmax(-1)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        states = self.member_states(hidden_states)
        return (self.weights(states).unsqueeze(-1) * states).sum(-2)


class Backbone(nn.Module):
    """Args:
    config: the transformer's sizes and its input kind.
    encoder: what feeds ``input=hidden_states``; with ``kind=fused`` the input module is a
        :class:`FusedProjection` over its members.
    """

    def __init__(self, config: BackboneConfig, encoder: EncoderConfig | None = None) -> None:
        super().__init__()
        self.config = config
        if config.input == "bytes":
            self.input = ByteEmbedding(config.d_model, config.max_positions)
        elif encoder is not None and encoder.kind == "fused":
            self.input = FusedProjection(encoder.member_dims, config.d_model, encoder.fusion)
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
