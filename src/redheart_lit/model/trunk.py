"""The shared trunk: encoder features -> transformer backbone -> shared states.

Every task reads the same :class:`SharedStates`; the trunk computes the counterfactual
states and the Kalman sentence state only when a task that reads them is on. Shapes: ``B``
records, ``C`` counterfactuals, ``L`` tokens, ``D`` width.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.encoders.hf import HFTextEncoder, load_encoder
from redheart_lit.model.aux.kalman import KalmanStateEstimator
from redheart_lit.model.backbone import Backbone
from redheart_lit.model.blocks import TransformerStack
from redheart_lit.model.config import ModelConfig


@dataclass
class SharedStates:
    """What the trunk hands every task.

    Attributes:
        states: ``[B, L, D]`` backbone token states; ``mask`` ``[B, L]`` True on tokens.
        kalman: ``[B, D]`` sentence-level state, or None when no task reads it (or it is off).
        cf_index: ``[C]`` rows that have a counterfactual; the ``cf_*`` fields follow it.
        cf_states, cf_mask, cf_kalman: the counterfactual texts' states, mask and Kalman
            state; None when no task reads counterfactuals or the batch has none.
    """

    states: torch.Tensor
    mask: torch.Tensor
    kalman: torch.Tensor | None
    cf_index: torch.Tensor
    cf_states: torch.Tensor | None = None
    cf_mask: torch.Tensor | None = None
    cf_kalman: torch.Tensor | None = None

    @property
    def has_counterfactuals(self) -> bool:
        return self.cf_states is not None


class Trunk(nn.Module):
    """Args:
    config: the model config; the trunk reads ``encoder``, ``backbone`` and ``aux.kalman``.
    counterfactuals: encode the counterfactual texts (some task reads them).
    kalman: build the Kalman filter (some task reads it and ``aux.kalman.enabled``).
    """

    def __init__(self, config: ModelConfig, counterfactuals: bool, kalman: bool) -> None:
        super().__init__()
        self.counterfactuals = counterfactuals
        self.encoder = self._fine_tuned_encoder(config)
        self.backbone = Backbone(config.backbone, config.encoder)
        self.kalman = (
            KalmanStateEstimator(config.backbone.d_model, config.aux.kalman)
            if kalman and config.aux.kalman.enabled
            else None
        )

    @staticmethod
    def _fine_tuned_encoder(config: ModelConfig) -> HFTextEncoder | None:
        """A fine-tuned external encoder is part of the trunk (a frozen one lives in the data)."""
        spec = config.encoder
        if spec.kind != "hf" or spec.frozen:
            return None
        loaded = load_encoder(spec.name, spec.revision)
        if loaded.hidden_size != config.backbone.input_dim:
            raise ValueError(
                f"encoder {spec.name!r} has hidden size {loaded.hidden_size} but "
                f"backbone.input_dim is {config.backbone.input_dim}"
            )
        return HFTextEncoder(loaded.model, frozen=False)

    def encode(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Backbone states ``[N, L, D]`` from byte ids, encoder ids, or cached features."""
        if self.encoder is not None:
            inputs = self.encoder(inputs, mask)
        return self.backbone(inputs, mask)

    def forward(self, batch: Batch) -> SharedStates:
        mask = batch.attention_mask
        states = self.encode(batch.input_ids, mask)
        kalman = self.kalman(states, mask, batch.sentence_ids) if self.kalman else None
        shared = SharedStates(states, mask, kalman, batch.cf_index)
        if self.counterfactuals and batch.cf_index.numel() > 0:
            shared.cf_mask = batch.cf_attention_mask
            shared.cf_states = self.encode(batch.cf_input_ids, shared.cf_mask)
            if self.kalman is not None:
                shared.cf_kalman = self.kalman(
                    shared.cf_states, shared.cf_mask, batch.cf_sentence_ids
                )
        return shared

    def set_gradient_checkpointing(self, enabled: bool) -> None:
        """Checkpoint every transformer block of the backbone (and a fine-tuned encoder)."""
        set_gradient_checkpointing(self, enabled)
        if self.encoder is not None and enabled:
            self.encoder.model.gradient_checkpointing_enable()


def set_gradient_checkpointing(module: nn.Module, enabled: bool) -> None:
    """Switch checkpointing on every :class:`TransformerStack` inside ``module``."""
    for child in module.modules():
        if isinstance(child, TransformerStack):
            child.gradient_checkpointing = enabled
