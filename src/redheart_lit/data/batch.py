"""The batch that flows from the collate function through the model, losses and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Batch:
    """A collated batch of ``B`` records, ``C`` of which carry a counterfactual.

    Labels a record lacks are NaN in ``labels`` and False in ``label_mask``; losses and
    metrics select with the mask, so a NaN that leaks anywhere shows up as a NaN loss.

    Attributes:
        input_ids: byte ids ``[B, L]`` (or encoder states ``[B, L, E]`` for external input).
        attention_mask: ``[B, L]`` bool, True on real tokens.
        sentence_ids: ``[B, L]`` sentence index of every token.
        cf_index: ``[C]`` rows that have a counterfactual; ``cf_*`` tensors follow it.
        labels: ``key -> [B]`` or ``[B, dim]`` float.
        label_mask: ``key -> [B]`` bool.
        ids: record ids, for error messages and predictions.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    sentence_ids: torch.Tensor
    cf_index: torch.Tensor
    cf_input_ids: torch.Tensor
    cf_attention_mask: torch.Tensor
    cf_sentence_ids: torch.Tensor
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    label_mask: dict[str, torch.Tensor] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return self.input_ids.shape[0]
