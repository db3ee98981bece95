"""The Bentham task: ten hedonic-calculus factors, a utility and moral acceptability.

Readout: ``tasks/readout/bentham.py``. Its loss has three parts, each on the rows that
carry its label: the configured factor loss (``conf/loss/bentham/``, MSE + extreme-value
penalty by default), Bradley-Terry on "the text is more pleasant than its counterfactual"
(``utility_pref``), and BCE on acceptability; the parts are weighted by ``part_weights``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.losses.ranking import bradley_terry_loss
from redheart_lit.tasks.base import TaskModule
from redheart_lit.tasks.readout.bentham import BenthamOutput, BenthamReadout
from redheart_lit.tasks.spec import BENTHAM

PARTS = ("factors", "utility_pref", "acceptability")


class BenthamLoss(nn.Module):
    """Args:
    factors: the factor loss, on the ten factors in [0, 1].
    part_weights: weight of each part (``factors``, ``utility_pref``, ``acceptability``).
    """

    def __init__(self, factors: nn.Module, part_weights: dict[str, float]) -> None:
        super().__init__()
        if set(part_weights) != set(PARTS):
            raise ValueError(
                f"loss.bentham.part_weights needs exactly {list(PARTS)}, got {sorted(part_weights)}"
            )
        if getattr(factors, "takes_logits", False):
            raise ValueError("loss.bentham.factors must compare values in [0, 1], not logits")
        self.factors = factors
        self.part_weights = {k: float(v) for k, v in part_weights.items()}

    def forward(self, out: BenthamOutput, batch: Batch) -> torch.Tensor | None:
        labels, parts = batch.labels, []
        if (m := batch.label_mask["bentham"]).any():
            loss = self.factors(out.factors[m], labels["bentham"][m])
            parts.append(self.part_weights["factors"] * loss)
        cf = batch.cf_index
        if cf.numel() and (m := batch.label_mask["utility_pref"][cf]).any():
            loss = bradley_terry_loss(
                out.utility[cf][m], out.cf_utility[m], labels["utility_pref"][cf][m]
            )
            parts.append(self.part_weights["utility_pref"] * loss)
        if (m := batch.label_mask["acceptability"]).any():
            loss = F.binary_cross_entropy_with_logits(
                out.acceptability_logit[m].float(), labels["acceptability"][m].float()
            )
            parts.append(self.part_weights["acceptability"] * loss)
        return torch.stack(parts).sum() if parts else None


class BenthamTask(TaskModule):
    spec = BENTHAM
    readout_cls = BenthamReadout

    def compute_loss(self, out: Any, batch: Batch) -> torch.Tensor | None:
        return self.loss(out, batch)
