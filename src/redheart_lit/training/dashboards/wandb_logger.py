"""Lightning's WandbLogger, publishing every task's keys task-first: one W&B section per task.

W&B's workspace puts a panel in the section named by the text before the first ``/`` of
its key. The metric names of the run are ``stage/task/metric`` (``val/emotion/macro_f1``),
so under the plain WandbLogger the sections were the stages. The names stay as they are
for everything else that reads them (checkpoint and early-stopping monitors, the CSV and
TensorBoard loggers, Hydra's ``optimized_metric``, ``metrics.json``); only what this
logger sends to W&B is renamed, ``stage/task/rest`` -> ``task/stage/rest``
(``emotion/val/macro_f1``, and the dashboards' figures: ``emotion/val/f1_per_label``).
Keys of the whole run keep their name and section: ``val/loss``, ``val/samples``,
``run/...``, ``model/parameters``, the learning rates.

The first time a validation metric is logged, it is declared with ``define_metric``, so
that the run summary holds its best value (``summary="max"`` or ``"min"``, from the
metric kind's ``METRIC_BEST``; losses ``min``), on the global-step axis. Training and test
values keep W&B's default summary, the last value: a training metric's best is that of a
model still moving, and the test is logged once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lightning.pytorch.loggers import WandbLogger
from lightning.pytorch.utilities import rank_zero_only

from redheart_lit.tasks.spec import TASKS
from redheart_lit.tasks.stage_metrics import METRIC_BEST

STAGES = ("train", "val", "test")
# The x axis of every metric; Lightning's WandbLogger logs the step under this key.
STEP_METRIC = "trainer/global_step"


def wandb_key(key: str) -> str:
    """The W&B key of a logged name: ``stage/task/rest`` -> ``task/stage/rest``.

    Only names whose first part is a stage and whose second part is a registered task are
    moved; every other name is returned unchanged.
    """
    stage, _, rest = key.partition("/")
    task, slash, name = rest.partition("/")
    if stage in STAGES and slash and name and task in TASKS:
        return f"{task}/{stage}/{name}"
    return key


def best_summary(key: str) -> str | None:
    """``"max"`` or ``"min"``: the summary of a validation metric (by its Lightning name);
    None for every other key (training and test values, media, run keys)."""
    if key == "val/loss":
        return "min"
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "val" or parts[1] not in TASKS:
        return None
    task, name = parts[1], parts[2]
    if name == "loss":
        return "min"
    for metric in TASKS[task].metrics:
        if metric.name == name:
            return METRIC_BEST[metric.kind]
    return None  # one of the dashboards' figures, e.g. val/emotion/f1_per_label


class TaskFirstWandbLogger(WandbLogger):
    """``WandbLogger`` (same arguments) whose keys are :func:`wandb_key`'s, with the best
    validation values as the run summary. ``log_image`` and ``log_table`` go through
    ``log_metrics``, so the dashboards' media are renamed the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._declared: set[str] = set()

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        renamed: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for key, value in metrics.items():
            new = wandb_key(key)
            if new in sources:
                raise ValueError(
                    f"W&B keys collide: {sources[new]!r} and {key!r} are both sent as {new!r}"
                )
            sources[new] = key
            renamed[new] = value
            summary = best_summary(key)
            if summary is not None and new not in self._declared:
                self._declare(new, summary)
        super().log_metrics(renamed, step)

    def _declare(self, key: str, summary: str) -> None:
        # The logger's prefix is added inside WandbLogger.log_metrics, so here too.
        name = f"{self._prefix}{self.LOGGER_JOIN_CHAR}{key}" if self._prefix else key
        step = "global_step" if self._wandb_init.get("sync_tensorboard") else STEP_METRIC
        self.experiment.define_metric(name, step_metric=step, summary=summary)
        self._declared.add(key)
