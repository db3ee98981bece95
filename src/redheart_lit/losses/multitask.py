"""The loss mix: per-task losses on labelled rows only, combined by a weighting scheme.

Chosen by the ``loss`` config group: ``seed_mix`` (fixed task weights), ``equal`` and
``uncertainty`` (learned homoscedastic weights, Kendall et al., 2018).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.losses.focal import binary_focal_loss
from redheart_lit.losses.ranking import bradley_terry_loss
from redheart_lit.losses.regression import huber_loss, mse_extreme_loss
from redheart_lit.losses.simplex import surd_simplex_loss
from redheart_lit.model.redheart import RedHeartOutput
from redheart_lit.tasks import check_task_names

WEIGHTINGS = ("fixed", "equal", "uncertainty")


@dataclass
class LossOutput:
    """``total`` is what is optimised; ``tasks`` holds each task's unweighted loss.

    A task without labels in the batch is absent from ``tasks`` and adds nothing to
    ``total``. ``total`` is None when no row of the batch has any label.
    """

    total: torch.Tensor | None
    tasks: dict[str, torch.Tensor]


def rows(batch: Batch, key: str) -> torch.Tensor:
    """``[B]`` bool: the rows that carry label ``key``."""
    return batch.label_mask[key]


class MultiTaskLoss(nn.Module):
    def __init__(
        self,
        tasks: list[str] | tuple[str, ...],
        weighting: str = "fixed",
        task_weights: dict[str, float] | None = None,
        focal_gamma: float = 2.0,
        focal_alpha: float | None = None,
        extreme_penalty: float = 1.0,
        huber_delta: float = 0.5,
        surd_sum_weight: float = 0.1,
        bentham_weights: dict[str, float] | None = None,
    ) -> None:
        super().__init__()
        self.tasks = check_task_names(tuple(tasks))
        if weighting not in WEIGHTINGS:
            raise ValueError(f"loss.weighting={weighting!r}; choose from {WEIGHTINGS}")
        self.weighting = weighting
        weights = dict(task_weights or {})
        if weighting == "fixed":
            missing = [t for t in self.tasks if t not in weights]
            if missing:
                raise ValueError(f"loss.task_weights has no weight for task(s) {missing}")
        self.task_weights = {t: float(weights.get(t, 1.0)) for t in self.tasks}
        bentham = {"factors": 1.0, "utility_pref": 1.0, "acceptability": 1.0}
        unknown = set(bentham_weights or {}) - set(bentham)
        if unknown:
            raise ValueError(f"loss.bentham_weights: unknown part(s) {sorted(unknown)}")
        bentham.update(bentham_weights or {})
        self.bentham_weights = bentham
        self.focal_gamma, self.focal_alpha = focal_gamma, focal_alpha
        self.extreme_penalty, self.huber_delta = extreme_penalty, huber_delta
        self.surd_sum_weight = surd_sum_weight
        if weighting == "uncertainty":
            # s_t = log sigma_t^2; total = sum_t exp(-s_t) L_t + s_t.
            self.log_vars = nn.ParameterDict({t: nn.Parameter(torch.zeros(())) for t in self.tasks})

    def task_losses(self, out: RedHeartOutput, batch: Batch) -> dict[str, torch.Tensor]:
        losses: dict[str, torch.Tensor] = {}
        labels = batch.labels
        if "emotion" in self.tasks and (m := rows(batch, "emotion")).any():
            losses["emotion"] = binary_focal_loss(
                out.emotion_logits[m], labels["emotion"][m], self.focal_gamma, self.focal_alpha
            )
        if "bentham" in self.tasks:
            parts = []
            if (m := rows(batch, "bentham")).any():
                loss = mse_extreme_loss(
                    out.bentham_factors[m], labels["bentham"][m], self.extreme_penalty
                )
                parts.append(self.bentham_weights["factors"] * loss)
            cf = batch.cf_index
            if cf.numel() and (m := rows(batch, "utility_pref")[cf]).any():
                loss = bradley_terry_loss(
                    out.utility[cf][m], out.cf_utility[m], labels["utility_pref"][cf][m]
                )
                parts.append(self.bentham_weights["utility_pref"] * loss)
            if (m := rows(batch, "acceptability")).any():
                loss = F.binary_cross_entropy_with_logits(
                    out.acceptability_logit[m].float(), labels["acceptability"][m].float()
                )
                parts.append(self.bentham_weights["acceptability"] * loss)
            if parts:
                losses["bentham"] = torch.stack(parts).sum()
        if "regret" in self.tasks and (m := rows(batch, "regret")).any():
            losses["regret"] = huber_loss(
                torch.sigmoid(out.regret_logit[m].float()), labels["regret"][m], self.huber_delta
            )
        if "surd" in self.tasks and (m := rows(batch, "surd")).any():
            losses["surd"] = surd_simplex_loss(
                out.surd_raw[m], labels["surd"][m], self.surd_sum_weight
            )
        return losses

    def forward(self, out: RedHeartOutput, batch: Batch) -> LossOutput:
        losses = self.task_losses(out, batch)
        if not losses:
            return LossOutput(None, losses)
        if self.weighting == "fixed":
            terms = [self.task_weights[t] * loss for t, loss in losses.items()]
        elif self.weighting == "equal":
            terms = [loss / len(self.tasks) for loss in losses.values()]
        else:
            terms = [
                torch.exp(-self.log_vars[t]) * loss + self.log_vars[t] for t, loss in losses.items()
            ]
        return LossOutput(torch.stack(terms).sum(), losses)
