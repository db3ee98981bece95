"""Bentham readout: ten hedonic-calculus factors, a utility and an acceptability logit.

Reads the bentham analyzer's pooled state plus the trunk's Kalman sentence state (when
on). The utility is a learned signed sum of the factors, ``u = sum_k w_k * factor_k``,
started at the signs of ``BENTHAM_UTILITY_SIGNS``. A counterfactual text goes through the
same analyzer and head, so "A is more pleasant than B" compares two utilities.

At inference a culture (``ethics/culture.py``) may reweight the utility's factors; the
section then reports both utilities under ``culture`` (:meth:`BenthamReadout.culture_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field, create_model
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.ethics.culture import CULTURES, cultural_utility
from redheart_lit.evaluation.classification import (
    binary_accuracy,
    mean_absolute_error,
    pairwise_accuracy,
)
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import SharedStates
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.readout.rounding import rounded
from redheart_lit.tasks.spec import BENTHAM_FACTORS, BENTHAM_UTILITY_SIGNS


@dataclass
class BenthamOutput:
    """Attributes:
    factors: ``[B, 10]`` in [0, 1].
    utility: ``[B]`` hedonic utility.
    acceptability_logit: ``[B]``.
    cf_utility: ``[C]`` utility of each counterfactual (rows ``shared.cf_index``).
    """

    factors: torch.Tensor
    utility: torch.Tensor
    acceptability_logit: torch.Tensor
    cf_utility: torch.Tensor


Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class CultureSection(BaseModel):
    """``analysis.bentham.culture``: the culture applied, and the utility with and without it."""

    name: Literal[CULTURES] = Field(  # type: ignore[valid-type]
        description="the culture whose weights were applied (none = the model's own)"
    )
    utility: float = Field(description="sum_k m_k * w_k * factor_k, m = the culture's table")
    unweighted_utility: float = Field(
        description="the model's utility (= analysis.bentham.utility)"
    )


class BenthamSection(BaseModel):
    """``analysis.bentham``: the ten factors, the hedonic utility and acceptability."""

    factors: create_model(  # type: ignore[valid-type]
        "BenthamFactors", __doc__="Each in [0, 1].", **dict.fromkeys(BENTHAM_FACTORS, (Unit, ...))
    )
    utility: float = Field(description="sum_k w_k * factor_k (learned signed weights)")
    acceptability: Unit = Field(description="calibrated P(the act is morally acceptable)")
    # Optional so that a section built elsewhere validates; the orchestrator always sets
    # it. Left out of a dump when None (the MCP SDK dumps the model).
    culture: CultureSection | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="the cultural reweighting of the utility (docs/culture.md)",
    )


class BenthamReadout(TaskReadout):
    task: ClassVar[str] = "bentham"
    calibrated: ClassVar[dict[str, int]] = {"acceptability": 1}
    section_model: ClassVar[Any] = BenthamSection
    # culture_rows reweights the learned utility weights.
    outside_graph: ClassVar[tuple[str, ...]] = ("utility_weights",)

    def __init__(self, config: ModelConfig, task: str | None = None) -> None:
        super().__init__(config, task)
        signs = torch.tensor(BENTHAM_UTILITY_SIGNS)
        self.utility_weights = nn.Parameter(signs / len(signs))

    def head_out_dim(self) -> int:
        return len(BENTHAM_FACTORS) + 1  # the factors, then the acceptability logit

    def _score(
        self, states: torch.Tensor, mask: torch.Tensor, kalman: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pooled = self.read(states, mask)[1]
        if kalman is not None:
            pooled = pooled + kalman
        out = self.head(pooled)
        factors = torch.sigmoid(out[:, :-1])
        utility = factors @ self.utility_weights.to(factors.dtype)
        return factors, utility, out[:, -1]

    def forward(self, shared: SharedStates) -> BenthamOutput:
        factors, utility, acceptability = self._score(shared.states, shared.mask, shared.kalman)
        if shared.has_counterfactuals:
            cf_utility = self._score(shared.cf_states, shared.cf_mask, shared.cf_kalman)[1]
        else:
            cf_utility = utility[:0]
        return BenthamOutput(factors, utility, acceptability, cf_utility)

    def logits(self, out: BenthamOutput) -> dict[str, torch.Tensor]:
        return {"acceptability": out.acceptability_logit}

    def utility_difference(
        self, out: BenthamOutput, batch: Batch
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``u_text - u_cf`` and ``utility_pref`` for the labelled counterfactual rows."""
        cf = batch.cf_index
        labelled = batch.label_mask["utility_pref"][cf]
        diff = out.utility[cf] - out.cf_utility
        return diff[labelled], batch.labels["utility_pref"][cf][labelled]

    def predictions(
        self, key: str, out: BenthamOutput, batch: Batch, probabilities: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if key == "utility_pref":
            # P(text preferred) = sigmoid(u_text - u_cf), the Bradley-Terry model.
            diff, target = self.utility_difference(out, batch)
            return torch.sigmoid(diff), target
        if key == "bentham":
            mask = batch.label_mask[key]
            return out.factors[mask], batch.labels[key][mask]
        return super().predictions(key, out, batch, probabilities)

    def tensors(
        self, out: BenthamOutput, probabilities: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        return super().tensors(out, probabilities) | {
            "factors": out.factors,
            "utility": out.utility,
        }

    def section(self, arrays: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
        factors = rounded(arrays["factors"])
        utility = rounded(arrays["utility"])
        acceptability = rounded(arrays["acceptability"])
        return [
            {
                "factors": dict(zip(BENTHAM_FACTORS, factors[i], strict=True)),
                "utility": utility[i],
                "acceptability": acceptability[i],
            }
            for i in range(rows)
        ]

    def culture_rows(self, arrays: dict[str, np.ndarray], culture: str) -> list[dict[str, Any]]:
        """``analysis.bentham.culture`` of each row: ``culture``'s utility and the model's.

        ``none`` reports the model's utility twice, unchanged; another culture multiplies
        each learned weight by its table's multiplier (``ethics/culture.py``).
        """
        unweighted = rounded(arrays["utility"])
        if culture == "none":
            weighted = unweighted
        else:
            weights = self.utility_weights.detach().float().cpu().numpy()
            weighted = rounded(cultural_utility(arrays["factors"], weights, culture))
        return [
            {"name": culture, "utility": w, "unweighted_utility": u}
            for w, u in zip(weighted, unweighted, strict=True)
        ]

    def held_out_predictions(
        self, key: str, out: BenthamOutput, batch: Batch, probabilities: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if key == "utility_pref":
            # The utility difference itself: its sign is the decision, ties count half.
            return self.utility_difference(out, batch)
        return self.predictions(key, out, batch, probabilities)

    def held_out_metrics(
        self, labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
    ) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if "utility_pref" in labelled:
            diff, pref = labelled["utility_pref"]
            metrics["bentham/utility_pair_rows"] = len(pref)
            metrics["bentham/utility_pair_acc"] = pairwise_accuracy(diff, np.zeros_like(diff), pref)
        if "acceptability" in labelled:
            p, y = labelled["acceptability"]
            metrics["bentham/acceptability_rows"] = len(y)
            metrics["bentham/acceptability_acc"] = binary_accuracy(p, y)
        if "bentham" in labelled:
            p, y = labelled["bentham"]
            metrics["bentham/factors_rows"] = len(y)
            metrics["bentham/factors_mae"] = mean_absolute_error(p, y)
        return metrics

    def parameter_parts(self) -> dict[str, list[Any]]:
        return super().parameter_parts() | {"heads": [self.head, self.utility_weights]}
