"""A task's training metrics for one stage, built from the task table and logged as
``stage/task/metric``.

Only labelled rows update a metric. A metric that saw no labelled row anywhere (on any
rank) during an epoch is not logged at all, rather than logged as a meaningless 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanMetric, Metric
from torchmetrics.classification import BinaryAccuracy, MultilabelF1Score

from redheart_lit.data.batch import Batch
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.spec import TaskSpec, labels

# Inputs are checked where they are made (the readout's ``predictions`` selects labelled
# rows; binary kinds binarise targets here), so torchmetrics' per-update checks are off.
METRIC_KINDS: dict[str, Callable[[int], Metric]] = {
    "multilabel_macro_f1": lambda dim: MultilabelF1Score(
        num_labels=dim, average="macro", validate_args=False
    ),
    "multilabel_micro_f1": lambda dim: MultilabelF1Score(
        num_labels=dim, average="micro", validate_args=False
    ),
    "mae": lambda dim: MeanAbsoluteError(),
    "binary_accuracy": lambda dim: BinaryAccuracy(validate_args=False),
    "multiclass_accuracy": lambda dim: MeanMetric(),
}
_BINARY_KINDS = {"multilabel_macro_f1", "multilabel_micro_f1", "binary_accuracy"}
# Which end of each kind is the best value (W&B run summaries keep the best validation
# value, training/dashboards/wandb_logger.py). Every kind must say; a test checks.
METRIC_BEST: dict[str, str] = {
    "multilabel_macro_f1": "max",
    "multilabel_micro_f1": "max",
    "mae": "min",
    "binary_accuracy": "max",
    "multiclass_accuracy": "max",
}


class TaskMetrics(nn.Module):
    """All metrics of one task for one stage, plus the mean of the task's loss.

    ``update`` keeps each batch's detached predictions and targets, and every
    ``flush_every`` batches (and before ``compute``) each metric is updated once with
    their concatenation. Every metric here is a sum over rows (counts, absolute errors,
    means), so the result is the same as updating batch by batch, while the per-update
    cost of ~13 torchmetrics calls, which made the tiny model's training step slower than
    a hand-written loop, is paid once per flush.

    Args:
        stage: ``train``, ``val`` or ``test``; the prefix of every logged name.
        spec: the task's row of the task table.
        readout: the task's readout, whose ``predictions`` the metrics score.
    """

    def __init__(
        self, stage: str, spec: TaskSpec, readout: TaskReadout, flush_every: int = 32
    ) -> None:
        super().__init__()
        self.stage, self.task = stage, spec.name
        self.flush_every = flush_every
        # Held outside the module tree: the readout belongs to the task, not its metrics.
        self._predict = readout.predictions
        self.specs = {f"{spec.name}/{m.name}": m for m in spec.metrics}
        dims = labels()
        # ModuleDict keys cannot hold "."; "/" is fine.
        self.metrics = nn.ModuleDict(
            {name: METRIC_KINDS[m.kind](dims[m.label].dim) for name, m in self.specs.items()}
        )
        self.losses = nn.ModuleDict({f"{spec.name}/loss": MeanMetric()})
        self._pending: dict[str, list[tuple[torch.Tensor, ...]]] = {}
        self._updates = 0

    def update(
        self,
        out: Any,
        batch: Batch,
        probabilities: dict[str, torch.Tensor],
        loss: torch.Tensor | None,
    ) -> None:
        for name, spec in self.specs.items():
            pred, target = self._predict(spec.label, out, batch, probabilities)
            if len(target) == 0:
                continue
            pred = pred.detach().float()
            if spec.kind in _BINARY_KINDS:
                target = (target >= 0.5).long()
            elif spec.kind == "multiclass_accuracy":
                # Mean of per-row hits: predictions are class scores [N, K].
                pred, target = (pred.argmax(-1) == target.long()).float(), None
            self._pending.setdefault(name, []).append((pred,) if target is None else (pred, target))
        if loss is not None:
            # Mean over the batches that had labels for the task.
            self._pending.setdefault(f"{self.task}/loss", []).append((loss.detach().reshape(1),))
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
