"""The batch that flows from the collate function through the model, losses and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

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

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """This batch on ``device`` (itself when it is there already).

        Lightning moves any object with a ``to`` method by calling it. Without one it walks
        the dataclass generically, which cost the tiny model's training step ~0.4 ms.
        """
        device = torch.device(device)
        moved = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, torch.Tensor):
                value = value.to(device, non_blocking=non_blocking)
            elif isinstance(value, dict):
                to = {k: v.to(device, non_blocking=non_blocking) for k, v in value.items()}
                value = value if all(to[k] is v for k, v in value.items()) else to
            moved[f.name] = value
        if all(moved[f.name] is getattr(self, f.name) for f in fields(self)):
            return self
        return Batch(**moved)
