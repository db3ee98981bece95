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

# Inputs are checked where they are made (``predictions`` selects labelled rows and
# binarises targets), so torchmetrics' per-update argument checks are off.
METRIC_KINDS: dict[str, Callable[[], Metric]] = {
    "multilabel_macro_f1": lambda: MultilabelF1Score(
        num_labels=len(EMOTION_LABELS), average="macro", validate_args=False
    ),
    "multilabel_micro_f1": lambda: MultilabelF1Score(
        num_labels=len(EMOTION_LABELS), average="micro", validate_args=False
    ),
    "mae": MeanAbsoluteError,
    "binary_accuracy": lambda: BinaryAccuracy(validate_args=False),
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
    """All metrics of the selected tasks for one stage, plus the mean of each task's loss.

    ``update`` keeps each batch's detached predictions and targets, and every
    ``flush_every`` batches (and before ``compute``) each metric is updated once with
    their concatenation. Every metric here is a sum over rows (counts, absolute errors,
    means), so the result is the same as updating batch by batch, while the per-update
    cost of ~13 torchmetrics calls, which made the tiny model's training step slower than
    a hand-written loop, is paid once per flush.
    """

    def __init__(self, stage: str, tasks: tuple[str, ...], flush_every: int = 32) -> None:
        super().__init__()
        self.stage = stage
        self.flush_every = flush_every
        self.specs = {f"{task}/{m.name}": m for task in tasks for m in TASKS[task].metrics}
        # ModuleDict keys cannot hold "."; "/" is fine.
        self.metrics = nn.ModuleDict(
            {name: METRIC_KINDS[m.kind]() for name, m in self.specs.items()}
        )
        self.losses = nn.ModuleDict({f"{t}/loss": MeanMetric() for t in tasks})
        self.losses["loss"] = MeanMetric()
        self._pending: dict[str, list[tuple[torch.Tensor, ...]]] = {}
        self._updates = 0

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
            self._pending.setdefault(name, []).append((pred, target))
        for task, value in losses.items():
            # Mean over the batches that had labels for the task.
            self._pending.setdefault(f"{task}/loss", []).append((value.detach().reshape(1),))
        if total is not None:
            self._pending.setdefault("loss", []).append((total.detach().reshape(1),))
        self._updates += 1
        if self._updates >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Update every metric with the batches kept since the last flush."""
        for name, parts in self._pending.items():
            metric = self.metrics[name] if name in self.metrics else self.losses[name]
            metric.update(*(torch.cat(column) for column in zip(*parts, strict=True)))
        self._pending = {}
        self._updates = 0

    def compute(self, updated_anywhere: Callable[[bool], bool]) -> dict[str, torch.Tensor]:
        """Compute and reset; ``updated_anywhere`` reduces a flag over ranks (max)."""
        self.flush()
        results = {}
        for name, metric in [*self.metrics.items(), *self.losses.items()]:
            if updated_anywhere(metric.update_called):
                results[f"{self.stage}/{name}"] = metric.compute()
            metric.reset()
        return results
