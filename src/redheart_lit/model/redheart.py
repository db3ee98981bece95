"""RedHeartModel: shared backbone -> per-task analyzers -> task heads, plus auxiliaries.

Read top to bottom: ``__init__`` builds only what the config switches on, ``forward``
runs one batch. Shapes: ``B`` records, ``C`` counterfactuals, ``L`` tokens, ``D`` width.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.encoders.hf import HFTextEncoder, load_encoder
from redheart_lit.model.analyzer import Analyzer, MeanPool
from redheart_lit.model.backbone import Backbone
from redheart_lit.model.blocks import TransformerStack
from redheart_lit.model.calibration import TemperatureCalibration
from redheart_lit.model.config import RedHeartConfig
from redheart_lit.model.dsp import SpectralTrajectory
from redheart_lit.model.heads import ExpertHead
from redheart_lit.model.kalman import KalmanStateEstimator
from redheart_lit.model.thresholds import DecisionThresholds
from redheart_lit.tasks import BENTHAM_FACTORS, BENTHAM_UTILITY_SIGNS, EMOTION_LABELS, SURD_SHARES


@dataclass
class RedHeartOutput:
    """Raw outputs; a field is None when its task is switched off.

    Attributes:
        emotion_logits: ``[B, 28]``.
        bentham_factors: ``[B, 10]`` in [0, 1].
        utility: ``[B]`` hedonic utility, ``sum_k w_k * factor_k``.
        acceptability_logit: ``[B]``.
        cf_utility: ``[C]`` utility of each counterfactual (rows ``batch.cf_index``).
        regret_logit: ``[B]``.
        surd_raw: ``[B, 4]`` non-negative shares before normalisation.
    """

    emotion_logits: torch.Tensor | None = None
    bentham_factors: torch.Tensor | None = None
    utility: torch.Tensor | None = None
    acceptability_logit: torch.Tensor | None = None
    cf_utility: torch.Tensor | None = None
    regret_logit: torch.Tensor | None = None
    surd_raw: torch.Tensor | None = None

    @property
    def surd_shares(self) -> torch.Tensor | None:
        """``[B, 4]`` on the simplex (synergy, unique, redundant, leak)."""
        if self.surd_raw is None:
            return None
        return self.surd_raw / self.surd_raw.sum(-1, keepdim=True).clamp_min(1e-6)


# Output width of each head.
_HEAD_OUT = {
    "emotion": len(EMOTION_LABELS),
    "bentham": len(BENTHAM_FACTORS) + 1,  # factors, then the acceptability logit
    "regret": 1,
    "surd": len(SURD_SHARES),
}


class RedHeartModel(nn.Module):
    def __init__(self, config: RedHeartConfig) -> None:
        super().__init__()
        self.config = config
        bb = config.backbone
        d = bb.d_model
        self.encoder = self._fine_tuned_encoder(config)
        self.backbone = Backbone(bb, config.encoder)
        self.analyzers = nn.ModuleDict(
            {
                task: Analyzer(d, bb.n_heads, bb.dropout, config.analyzers[task])
                if config.analyzers[task].enabled
                else MeanPool()
                for task in config.tasks
            }
        )
        in_dims = dict.fromkeys(config.tasks, d)
        if "regret" in config.tasks:
            in_dims["regret"] = 2 * d  # [own state, counterfactual - own state]
            # Stands in for the difference when a text has no counterfactual.
            self.no_counterfactual = nn.Parameter(torch.zeros(d))
        self.heads = nn.ModuleDict(
            {
                task: ExpertHead(in_dims[task], _HEAD_OUT[task], config.heads[task])
                for task in config.tasks
            }
        )
        if "bentham" in config.tasks:
            self.utility_weights = nn.Parameter(
                torch.tensor(BENTHAM_UTILITY_SIGNS) / len(BENTHAM_UTILITY_SIGNS)
            )
        aux = config.aux
        self.dsp = (
            SpectralTrajectory(d, aux.dsp)
            if aux.dsp.enabled and "emotion" in config.tasks
            else None
        )
        needs_kalman = {"bentham", "regret"} & set(config.tasks)
        self.kalman = (
            KalmanStateEstimator(d, aux.kalman) if aux.kalman.enabled and needs_kalman else None
        )
        self.calibration = TemperatureCalibration() if aux.calibration.enabled else None
        # Per-label emotion thresholds tuned on dev, refitted with the temperatures.
        self.thresholds = (
            DecisionThresholds() if aux.calibration.enabled and "emotion" in config.tasks else None
        )
        self.set_gradient_checkpointing(config.gradient_checkpointing)

    @staticmethod
    def _fine_tuned_encoder(config: RedHeartConfig) -> HFTextEncoder | None:
        """A fine-tuned external encoder is part of the model (a frozen one lives in the data)."""
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

    def _encode(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Backbone states ``[N, L, D]`` from byte ids, encoder ids, or cached features."""
        if self.encoder is not None:
            inputs = self.encoder(inputs, mask)
        return self.backbone(inputs, mask)

    def set_gradient_checkpointing(self, enabled: bool) -> None:
        """Checkpoint every transformer block (backbone, analyzers, a fine-tuned encoder)."""
        for module in self.modules():
            if isinstance(module, TransformerStack):
                module.gradient_checkpointing = enabled
        if self.encoder is not None and enabled:
            self.encoder.model.gradient_checkpointing_enable()

    def _read(
        self, task: str, states: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The task's analyzer: ``(token_states [N, L, D], pooled [N, D])``."""
        return self.analyzers[task](states, mask)

    def _bentham(self, pooled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = self.heads["bentham"](pooled)
        factors = torch.sigmoid(out[:, :-1])
        utility = factors @ self.utility_weights.to(factors.dtype)
        return factors, utility, out[:, -1]

    def forward(self, batch: Batch) -> RedHeartOutput:
        tasks = self.config.tasks
        mask = batch.attention_mask
        states = self._encode(batch.input_ids, mask)
        has_cf = batch.cf_index.numel() > 0 and bool({"bentham", "regret"} & set(tasks))
        if has_cf:
            cf_mask = batch.cf_attention_mask
            cf_states = self._encode(batch.cf_input_ids, cf_mask)
        # Sentence-level state, shared by the Bentham and regret heads (zero when off).
        kalman = cf_kalman = 0.0
        if self.kalman is not None:
            kalman = self.kalman(states, mask, batch.sentence_ids)
            if has_cf:
                cf_kalman = self.kalman(cf_states, cf_mask, batch.cf_sentence_ids)
        out = RedHeartOutput()

        if "emotion" in tasks:
            token_states, pooled = self._read("emotion", states, mask)
            if self.dsp is not None:
                pooled = pooled + self.dsp(token_states, mask)
            out.emotion_logits = self.heads["emotion"](pooled)

        if "bentham" in tasks:
            pooled = self._read("bentham", states, mask)[1] + kalman
            out.bentham_factors, out.utility, out.acceptability_logit = self._bentham(pooled)
            if has_cf:
                cf_pooled = self._read("bentham", cf_states, cf_mask)[1] + cf_kalman
                out.cf_utility = self._bentham(cf_pooled)[1]
            else:
                out.cf_utility = out.utility[:0]

        if "regret" in tasks:
            pooled = self._read("regret", states, mask)[1] + kalman
            delta = self.no_counterfactual.to(pooled.dtype).expand_as(pooled)
            if has_cf:
                cf_pooled = self._read("regret", cf_states, cf_mask)[1] + cf_kalman
                delta = delta.index_copy(0, batch.cf_index, cf_pooled - pooled[batch.cf_index])
            out.regret_logit = self.heads["regret"](torch.cat([pooled, delta], dim=-1))[:, 0]

        if "surd" in tasks:
            out.surd_raw = F.softplus(self.heads["surd"](self._read("surd", states, mask)[1]))
        return out

    def probabilities(self, out: RedHeartOutput) -> dict[str, torch.Tensor]:
        """Calibrated probabilities of the sigmoid outputs present in ``out``.

        Temperatures come from :class:`TemperatureCalibration` when it is on; otherwise
        this is the plain sigmoid. Metrics and inference read probabilities from here.
        """
        logits = {
            "emotion": out.emotion_logits,
            "acceptability": out.acceptability_logit,
            "regret": out.regret_logit,
        }
        return {
            key: self.calibration(key, value)
            if self.calibration is not None
            else torch.sigmoid(value)
            for key, value in logits.items()
            if value is not None
        }
