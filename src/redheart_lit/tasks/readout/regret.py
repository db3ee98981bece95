"""Regret readout: a regret logit from the text's state and its difference to a counterfactual.

The head reads ``[own state, counterfactual state - own state]``: regret is about the
road not taken. A text without a counterfactual gets a learned stand-in for the
difference (``no_counterfactual``), so one head serves both kinds of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import BaseModel, Field
from torch import nn

from redheart_lit.evaluation.classification import auroc, binary_accuracy, mean_absolute_error
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import SharedStates
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.readout.rounding import rounded


@dataclass
class RegretOutput:
    """``logit`` ``[B]``: the regret logit of each text."""

    logit: torch.Tensor


class RegretSection(BaseModel):
    """``analysis.regret``."""

    probability: float = Field(ge=0.0, le=1.0, description="calibrated regret potential")


class RegretReadout(TaskReadout):
    task: ClassVar[str] = "regret"
    calibrated: ClassVar[dict[str, int]] = {"regret": 1}
    section_model: ClassVar[Any] = RegretSection

    def __init__(self, config: ModelConfig, task: str | None = None) -> None:
        super().__init__(config, task)
        self.no_counterfactual = nn.Parameter(torch.zeros(config.backbone.d_model))

    def head_in_dim(self, d_model: int) -> int:
        return 2 * d_model  # [own state, counterfactual - own state]

    def head_out_dim(self) -> int:
        return 1

    def _pooled(
        self, states: torch.Tensor, mask: torch.Tensor, kalman: torch.Tensor | None
    ) -> torch.Tensor:
        pooled = self.read(states, mask)[1]
        return pooled if kalman is None else pooled + kalman

    def forward(self, shared: SharedStates) -> RegretOutput:
        pooled = self._pooled(shared.states, shared.mask, shared.kalman)
        delta = self.no_counterfactual.to(pooled.dtype).expand_as(pooled)
        if shared.has_counterfactuals:
            cf_pooled = self._pooled(shared.cf_states, shared.cf_mask, shared.cf_kalman)
            delta = delta.index_copy(0, shared.cf_index, cf_pooled - pooled[shared.cf_index])
        return RegretOutput(self.head(torch.cat([pooled, delta], dim=-1))[:, 0])

    def logits(self, out: RegretOutput) -> dict[str, torch.Tensor]:
        return {"regret": out.logit}

    def section(self, arrays: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
        return [{"probability": p} for p in rounded(arrays["regret"])]

    def held_out_metrics(
        self, labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
    ) -> dict[str, float]:
        p, y = labelled["regret"]
        return {
            "regret/rows": len(y),
            "regret/acc": binary_accuracy(p, y),
            "regret/auroc": auroc(p, y),
            "regret/mae": mean_absolute_error(p, y),
        }

    def parameter_parts(self) -> dict[str, list[Any]]:
        return super().parameter_parts() | {"heads": [self.head, self.no_counterfactual]}
