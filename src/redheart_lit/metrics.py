"""Per-task metrics, built from the task table and logged as ``stage/task/metric``.

Only labelled rows update a metric. A metric that saw no labelled row anywhere (on any
rank) during an epoch is not logged at all, rather than logged as a meaningless 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanMetric, Metric
from torchmetrics.classification import BinaryAccuracy, MultilabelF1Score

from redheart_lit.data.batch import Batch
from redheart_lit.model.redheart import RedHeartOutput
from redheart_lit.tasks import EMOTION_LABELS, TASKS

METRIC_KINDS: dict[str, Callable[[], Metric]] = {
    "multilabel_macro_f1": lambda: MultilabelF1Score(
        num_labels=len(EMOTION_LABELS), average="macro"
    ),
    "multilabel_micro_f1": lambda: MultilabelF1Score(
        num_labels=len(EMOTION_LABELS), average="micro"
    ),
    "mae": MeanAbsoluteError,
    "binary_accuracy": BinaryAccuracy,
}
_BINARY_KINDS = {"multilabel_macro_f1", "multilabel_micro_f1", "binary_accuracy"}


def predictions(
    key: str, out: RedHeartOutput, batch: Batch, probabilities: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions in label space and their targets, for the rows labelled with ``key``.

    ``probabilities`` are the (calibrated) sigmoid outputs of ``RedHeartModel.probabilities``.
    """
    labels, mask = batch.labels[key], batch.label_mask[key]
    if key == "utility_pref":
        cf = batch.cf_index
        m = mask[cf]
        prob_text_preferred = torch.sigmoid(out.utility[cf] - out.cf_utility)
        return prob_text_preferred[m], labels[cf][m]
    pred = {
        "emotion": lambda: probabilities["emotion"],
        "bentham": lambda: out.bentham_factors,
        "acceptability": lambda: probabilities["acceptability"],
        "regret": lambda: probabilities["regret"],
        "surd": lambda: out.surd_shares,
    }[key]()
    return pred[mask], labels[mask]


class TaskMetrics(nn.Module):
    """All metrics of the selected tasks for one stage, plus the mean of each task's loss."""

    def __init__(self, stage: str, tasks: tuple[str, ...]) -> None:
        super().__init__()
        self.stage = stage
        self.specs = {f"{task}/{m.name}": m for task in tasks for m in TASKS[task].metrics}
        # ModuleDict keys cannot hold "."; "/" is fine.
        self.metrics = nn.ModuleDict(
            {name: METRIC_KINDS[m.kind]() for name, m in self.specs.items()}
        )
        self.losses = nn.ModuleDict({f"{t}/loss": MeanMetric() for t in tasks})
        self.losses["loss"] = MeanMetric()

    def update(
        self,
        out: RedHeartOutput,
        batch: Batch,
        probabilities: dict[str, torch.Tensor],
        losses: dict[str, torch.Tensor],
        total: torch.Tensor | None,
    ) -> None:
        for name, spec in self.specs.items():
            pred, target = predictions(spec.label, out, batch, probabilities)
            if len(target) == 0:
                continue
            pred = pred.detach().float()
            if spec.kind in _BINARY_KINDS:
                target = (target >= 0.5).long()
            self.metrics[name].update(pred, target)
        for task, value in losses.items():
            # Mean over the batches that had labels for the task.
            self.losses[f"{task}/loss"].update(value.detach())
        if total is not None:
            self.losses["loss"].update(total.detach())

    def compute(self, updated_anywhere: Callable[[bool], bool]) -> dict[str, torch.Tensor]:
        """Compute and reset; ``updated_anywhere`` reduces a flag over ranks (max)."""
        results = {}
        for name, metric in [*self.metrics.items(), *self.losses.items()]:
            if updated_anywhere(metric.update_called):
                results[f"{self.stage}/{name}"] = metric.compute()
            metric.reset()
        return results
