"""SURD readout: synergistic / unique / redundant / leak shares of the ethical label.

The head emits four non-negative raw shares (softplus); :attr:`SurdOutput.shares`
normalises them onto the simplex. The loss sees the raw shares, so it can teach them to
sum to one before normalisation (``losses/simplex.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field, create_model

from redheart_lit.data.batch import Batch
from redheart_lit.evaluation.classification import mean_absolute_error
from redheart_lit.model.trunk import SharedStates
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.readout.rounding import rounded
from redheart_lit.tasks.spec import SURD_SHARES


@dataclass
class SurdOutput:
    """``raw`` ``[B, 4]``: non-negative shares before normalisation."""

    raw: torch.Tensor

    @property
    def shares(self) -> torch.Tensor:
        """``[B, 4]`` on the simplex (synergy, unique, redundant, leak)."""
        return self.raw / self.raw.sum(-1, keepdim=True).clamp_min(1e-6)


SurdSection = create_model(
    "SurdSection",
    __doc__="``analysis.surd``: shares of the ethical label's information, summing to 1.",
    **{name: (Annotated[float, Field(ge=0.0, le=1.0)], ...) for name in SURD_SHARES},
)


class SurdReadout(TaskReadout):
    task: ClassVar[str] = "surd"
    section_model: ClassVar[Any] = SurdSection

    def head_out_dim(self) -> int:
        return len(SURD_SHARES)

    def forward(self, shared: SharedStates) -> SurdOutput:
        return SurdOutput(F.softplus(self.head(self.read(shared.states, shared.mask)[1])))

    def predictions(
        self, key: str, out: SurdOutput, batch: Batch, probabilities: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mask = batch.label_mask[key]
        return out.shares[mask], batch.labels[key][mask]

    def tensors(
        self, out: SurdOutput, probabilities: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        return {"surd": out.shares}

    def section(self, arrays: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
        return [dict(zip(SURD_SHARES, row, strict=True)) for row in rounded(arrays["surd"])]

    def held_out_metrics(
        self, labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
    ) -> dict[str, float]:
        p, y = labelled["surd"]
        return {"surd/rows": len(y), "surd/mae": mean_absolute_error(p, y)}
