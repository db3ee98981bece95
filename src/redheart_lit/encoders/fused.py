"""Several frozen encoders as one input: token states aligned to one grid by character spans.

Each encoder tokenizes a text its own way (KcELECTRA's Korean word pieces, RoBERTa's
byte-level BPE, KLUE-BERT's morpheme-aware pieces), so their states cannot be stacked
token by token. The first member's tokens are the grid ("anchor"); every other member's
states are averaged onto it, each anchor token taking the member tokens that cover the
same characters, weighted by how many characters they share (:func:`alignment`). The
members' aligned states are concatenated on the last axis and
:class:`~redheart_lit.model.backbone.FusedProjection` fuses them inside the model, where
the fusion weights train.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from redheart_lit.encoders.cache import FeatureCache
from redheart_lit.encoders.features import FrozenFeatures
from redheart_lit.encoders.hf import LoadedEncoder
from redheart_lit.tokenizer import Encoding


def alignment(
    anchor_spans: torch.Tensor,
    anchor_mask: torch.Tensor,
    member_spans: torch.Tensor,
    member_mask: torch.Tensor,
) -> torch.Tensor:
    """Row-stochastic weights ``[B, La, Lm]`` mapping member tokens onto anchor tokens.

    Args:
        anchor_spans / member_spans: character spans ``[B, L, 2]``; special tokens have
            empty spans.
        anchor_mask / member_mask: ``[B, L]`` bool, False on padding.

    * A content token takes the member tokens it overlaps, weighted by shared characters.
    * A special token takes the member's special token on the same side: the one before
      the text for anchor specials that precede all content (``[CLS]``, ``<s>``), the
      last one otherwise (``[SEP]``, ``</s>``).
    * A token with nothing to take (the member truncated earlier, or has no specials)
      takes the mean of the member's tokens: the member's summary of the whole text.
    Padding rows are all zero.
    """
    a0, a1 = anchor_spans[..., 0].float(), anchor_spans[..., 1].float()
    m0, m1 = member_spans[..., 0].float(), member_spans[..., 1].float()
    a_content = (a1 > a0) & anchor_mask
    m_content = (m1 > m0) & member_mask
    shared = torch.minimum(a1[:, :, None], m1[:, None]) - torch.maximum(a0[:, :, None], m0[:, None])
    weights = shared.clamp_min(0) * (a_content[:, :, None] & m_content[:, None])

    # Specials: "leading" ones come before the first content token of their sequence.
    def special_sides(content: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        seen = content.cumsum(1) > 0
        special = mask & ~content
        return special & ~seen, special & seen

    a_lead, a_trail = special_sides(a_content, anchor_mask)
    m_lead, m_trail = special_sides(m_content, member_mask)
    first_lead = _one_hot_first(m_lead)
    last_trail = _one_hot_last(m_trail)
    weights = (
        weights
        + a_lead[:, :, None] * first_lead[:, None]
        + a_trail[:, :, None] * last_trail[:, None]
    )

    empty = (weights.sum(-1) == 0) & anchor_mask
    mean = member_mask.float() / member_mask.sum(1, keepdim=True).clamp_min(1)
    weights = torch.where(empty[:, :, None], mean[:, None], weights)
    return weights / weights.sum(-1, keepdim=True).clamp_min(1e-12)


def _one_hot_first(flags: torch.Tensor) -> torch.Tensor:
    """``[B, L]`` float: 1 at the first True of each row (all zero when none)."""
    return (flags & (flags.cumsum(1) == 1)).float()


def _one_hot_last(flags: torch.Tensor) -> torch.Tensor:
    return _one_hot_first(flags.flip(1)).flip(1)


class FusedFeatures:
    """Callable ``texts -> Encoding`` with ``input_ids`` = aligned states ``[B, La, sum E_k]``.

    The attention mask and sentence ids are the anchor's. Each member keeps its own
    feature cache (``cache_dir`` given): its features do not depend on the other members.
    """

    def __init__(
        self,
        members: Sequence[LoadedEncoder],
        max_length: int,
        cache_dir: str | Path | None = None,
    ) -> None:
        if len(members) < 2:
            raise ValueError(f"fusing needs at least 2 encoders, got {len(members)}")
        self.members = [
            FrozenFeatures(
                m, max_length,
                FeatureCache.for_encoder(cache_dir, m, max_length),
            )
            for m in members
        ]  # fmt: skip
        self.hidden_size = sum(m.hidden_size for m in self.members)

    def warm(self, texts: list[str], batch_size: int = 64) -> int:
        """Fill every member's cache; return how many (member, text) pairs were encoded."""
        return sum(member.warm(texts, batch_size) for member in self.members)

    @torch.no_grad()
    def __call__(self, texts: list[str]) -> Encoding:
        anchor, anchor_spans = self.members[0].with_offsets(texts)
        parts = [anchor.input_ids]
        for member in self.members[1:]:
            enc, spans = member.with_offsets(texts)
            weights = alignment(anchor_spans, anchor.attention_mask, spans, enc.attention_mask)
            parts.append(weights @ enc.input_ids)
        return Encoding(torch.cat(parts, -1), anchor.attention_mask, anchor.sentence_ids)
