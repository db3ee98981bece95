"""MultiTaskModule: the task modules over one shared trunk.

It owns the trunk (a fine-tuned encoder if any, the backbone and the Kalman state), a
``ModuleDict`` of task modules built without trunks of their own, the loss weighting, and
the optimizer and schedule. It never names a task: each task's work is its
:meth:`~redheart_lit.tasks.base.TaskModule.task_step`, and the step that calls them is
:class:`~redheart_lit.tasks.root.TrainableModule`'s, shared with a task trained alone.

State-dict keys: ``trunk.*``, ``tasks.<name>.readout.*`` and ``weighting.*`` (learned
uncertainty weights only).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.losses.weighting import LossWeighting
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import Trunk
from redheart_lit.tasks.base import TASK_MODULES, TaskModule
from redheart_lit.tasks.root import Optimizer, Scheduler, TrainableModule
from redheart_lit.tasks.spec import reads_counterfactual, reads_kalman


class MultiTaskModule(TrainableModule):
    """Args:
    config: the model config mapping (``conf/model/*.yaml`` ``config:``), stored in every
        checkpoint so that ``load_from_checkpoint`` needs nothing else.
    losses: task -> its loss module (``conf/loss/<task>``); None for inference.
    weighting: how task losses combine (``conf/loss/weighting``); None for inference.
    optimizer: ``partial`` taking parameter groups (``conf/optimizer``).
    scheduler: ``partial`` taking ``(optimizer, total_steps)`` (``conf/scheduler``).
    weight_decay: applied to weight matrices only.
    compile: compile the backbone with ``torch.compile`` (``model.compile=true``). The
        module is compiled in place, so checkpoints keep their keys. It pays off only
        where it was measured to (docs/benchmarks.md), so it is off by default.
    """

    def __init__(
        self,
        config: dict[str, Any],
        losses: dict[str, nn.Module] | None = None,
        weighting: LossWeighting | None = None,
        optimizer: Optimizer | None = None,
        scheduler: Scheduler | None = None,
        weight_decay: float = 0.01,
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.save_hyperparameters("config", "weight_decay", "compile")
        self.config = ModelConfig.from_dict(config)
        tasks = self.config.tasks
        if (losses is None) != (weighting is None):
            raise ValueError("pass both losses and weighting (training) or neither (inference)")
        if losses is not None:
            missing = [t for t in tasks if t not in losses]
            if missing:
                raise ValueError(f"no loss configured for task(s) {missing}: set loss.<task>")
        if weighting is not None and set(weighting.tasks) != set(tasks):
            raise ValueError(
                f"loss.weighting.tasks={list(weighting.tasks)} differ from "
                f"model.config.tasks={list(tasks)}"
            )
        self.trunk = Trunk(
            self.config, counterfactuals=reads_counterfactual(tasks), kalman=reads_kalman(tasks)
        )
        if compile:
            self.trunk.backbone.compile()
        self.trunk.set_gradient_checkpointing(self.config.gradient_checkpointing)
        self.tasks = nn.ModuleDict(
            {
                name: TASK_MODULES[name](
                    config, loss=losses[name] if losses else None, own_trunk=False
                )
                for name in tasks
            }
        )
        self.weighting = weighting
        self.setup_training(optimizer, scheduler, weight_decay)

    def task_modules(self) -> dict[str, TaskModule]:
        return dict(self.tasks.items())  # type: ignore[arg-type]

    def combine(self, losses: dict[str, torch.Tensor]) -> torch.Tensor | None:
        if self.weighting is None:
            raise RuntimeError("this module was built without losses; it can only predict")
        return self.weighting(losses)

    def forward(self, batch: Batch) -> dict[str, Any]:
        """Every task's readout output for ``batch``: task -> output dataclass."""
        shared = self.trunk(batch)
        return {name: task.readout(shared) for name, task in self.tasks.items()}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self.weighting is None:
            # Loaded for inference: learned loss weights (uncertainty) are training state.
            state = checkpoint["state_dict"]
            for key in [k for k in state if k.startswith("weighting.")]:
                del state[key]
        super().on_load_checkpoint(checkpoint)


def single_task_module(
    task: str,
    config: dict[str, Any],
    losses: dict[str, nn.Module] | None = None,
    weighting: LossWeighting | None = None,
    **kwargs: Any,
) -> TaskModule:
    """The task module of ``task`` trained alone (``experiment=single_task``).

    ``weighting`` must be None: one task's loss is the total (the experiment removes the
    ``loss/weighting`` default).
    """
    if task not in TASK_MODULES:
        raise ValueError(f"single_task={task!r} is not a registered task: {sorted(TASK_MODULES)}")
    if weighting is not None:
        raise ValueError("a single task has no loss weighting: remove loss/weighting")
    if losses is not None and task not in losses:
        raise ValueError(f"no loss configured for task {task!r}: set loss.{task}")
    return TASK_MODULES[task](config, loss=losses[task] if losses else None, **kwargs)
