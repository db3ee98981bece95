"""TaskModule: one task as a LightningModule.

A task module owns everything about its task: its readout (analyzer, head, how it reads
the shared states, its output fields and its part of the inference result; see
``tasks/readout/``), its loss (chosen by ``conf/loss/<task>/``), its metrics, and the
calibration rows it refits on after each validation epoch.

Its per-batch work is one method, :meth:`TaskModule.task_step`. Inside a
:class:`~redheart_lit.tasks.multitask.MultiTaskModule` the multitask module calls it with
the shared trunk's states; trained alone (``experiment=single_task``) the task owns a trunk
of its own and :class:`~redheart_lit.tasks.root.TrainableModule`'s step calls the same
method. A subclass declares ``spec`` (its row of the task table) and, if it reads the
shared states in its own way, ``readout_cls``; defining the class registers the task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import SharedStates, Trunk, set_gradient_checkpointing
from redheart_lit.tasks.readout.base import TaskReadout, build_readout, register_readout
from redheart_lit.tasks.root import STAGES, Optimizer, Scheduler, TrainableModule
from redheart_lit.tasks.spec import TaskSpec, register_spec
from redheart_lit.tasks.stage_metrics import TaskMetrics

# task name -> task module class; filled when a TaskModule subclass with a spec is defined.
TASK_MODULES: dict[str, type[TaskModule]] = {}


@dataclass
class TaskStep:
    """What :meth:`TaskModule.task_step` returns.

    Attributes:
        loss: the task's unweighted loss, None when no row of the batch has its labels.
        output: the readout's output for the batch.
    """

    loss: torch.Tensor | None
    output: Any

    def zero(self) -> torch.Tensor:
        """A zero tied to every output tensor: the loss of a batch without labels, which
        keeps the graph alike on every rank (DDP). Built only when it is needed."""
        return sum(t.sum() for t in vars(self.output).values() if isinstance(t, torch.Tensor)) * 0.0


class TaskModule(TrainableModule):
    """Args:
    config: the model config mapping (``conf/model/*.yaml`` ``config:``), stored in every
        checkpoint so that ``load_from_checkpoint`` needs nothing else.
    loss: the task's loss module (``conf/loss/<task>``); None for inference.
    optimizer, scheduler, weight_decay: used when the task is trained alone.
    compile: compile the own trunk's backbone with ``torch.compile``.
    own_trunk: build a trunk of its own (trained alone). A multitask module passes False
        and hands the task its shared states.
    """

    spec: ClassVar[TaskSpec]
    readout_cls: ClassVar[type[TaskReadout]] = TaskReadout

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__:
            register_spec(cls.spec)
            register_readout(cls.spec.name, cls.readout_cls)
            TASK_MODULES[cls.spec.name] = cls

    def __init__(
        self,
        config: dict[str, Any],
        loss: nn.Module | None = None,
        optimizer: Optimizer | None = None,
        scheduler: Scheduler | None = None,
        weight_decay: float = 0.01,
        compile: bool = False,
        own_trunk: bool = True,
    ) -> None:
        super().__init__()
        self.save_hyperparameters("config", "weight_decay", "compile", "own_trunk")
        self.config = ModelConfig.from_dict(config)
        name = self.spec.name
        if name not in self.config.tasks:
            raise ValueError(f"model.config.tasks={list(self.config.tasks)} lacks task {name!r}")
        self.readout = build_readout(name, self.config)
        self.trunk = (
            Trunk(
                self.config,
                counterfactuals=self.spec.reads_counterfactual,
                kalman=self.spec.reads_kalman,
            )
            if own_trunk
            else None
        )
        if self.trunk is not None and compile:
            self.trunk.backbone.compile()
        set_gradient_checkpointing(self.readout, self.config.gradient_checkpointing)
        if self.trunk is not None:
            self.trunk.set_gradient_checkpointing(self.config.gradient_checkpointing)
        self.loss = loss
        # Keyed "<stage>_metrics": a ModuleDict key "train" would shadow nn.Module.train.
        self.stage_metrics = nn.ModuleDict(
            {f"{s}_metrics": TaskMetrics(s, self.spec, self.readout) for s in STAGES}
        )
        self._calibration_rows: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self.setup_training(optimizer, scheduler, weight_decay)

    # -- the one per-batch method ------------------------------------------------------------
    def task_step(self, batch: Batch, shared: SharedStates, stage: str) -> TaskStep:
        """Read ``shared``, compute the loss on labelled rows, update metrics (and, at
        validation, keep calibration rows). Called by the multitask module and by this
        module's own step alike."""
        if self.loss is None:
            raise RuntimeError(
                f"{type(self).__name__} was built without a loss; it can only predict"
            )
        out = self.readout(shared)
        loss = self.compute_loss(out, batch)
        with torch.no_grad():
            probabilities = self.readout.probabilities(out)
        self.stage_metrics[f"{stage}_metrics"].update(out, batch, probabilities, loss)
        if stage == "val":
            self._keep_calibration_rows(out, batch)
        return TaskStep(loss, out)

    def compute_loss(self, out: Any, batch: Batch) -> torch.Tensor | None:
        """The task's loss over the rows labelled for it; None when there are none.

        The plain version: the loss module on ``loss_input(out)`` against ``loss_target``
        of the task's single label. Tasks with several labels override it (bentham).
        """
        (label,) = self.spec.labels
        mask = batch.label_mask[label.key]
        if not mask.any():
            return None
        return self.loss(
            self.loss_input(out)[mask], self.loss_target(batch.labels[label.key])[mask]
        )

    def loss_input(self, out: Any) -> torch.Tensor:
        """What the loss reads from the readout's output: its logits, unless overridden."""
        return out.logits

    def loss_target(self, target: torch.Tensor) -> torch.Tensor:
        """The label as the loss takes it (a class index loss wants ``.long()``)."""
        return target

    # -- as the run's own module -------------------------------------------------------------
    def task_modules(self) -> dict[str, TaskModule]:
        return {self.spec.name: self}

    def combine(self, losses: dict[str, torch.Tensor]) -> torch.Tensor | None:
        # Trained alone, the task's loss is the total: there is nothing to weigh it against.
        return losses.get(self.spec.name)

    def forward(self, batch: Batch) -> Any:
        if self.trunk is None:
            raise RuntimeError("a task inside a multitask module reads the shared trunk's states")
        return self.readout(self.trunk(batch))

    # -- calibration --------------------------------------------------------------------------
    def _keep_calibration_rows(self, out: Any, batch: Batch) -> None:
        for key, logits in self.readout.logits(out).items():
            if key not in self.readout.temperatures:
                continue
            mask = batch.label_mask[key]
            self._calibration_rows.setdefault(key, []).append(
                (logits[mask].detach().float(), batch.labels[key][mask].float())
            )

    def fit_calibration(
        self, gather: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    ) -> None:
        """Refit temperatures (and emotion thresholds) on this epoch's validation rows,
        gathered from every rank by ``gather``."""
        for key, n in self.readout.calibrated.items():
            if key not in self.readout.temperatures:
                continue
            rows = self._calibration_rows.get(key, [])
            device = self.readout.temperatures[key].log_t.device
            empty = torch.zeros((0, n) if n > 1 else (0,), device=device)
            logits = torch.cat([r[0] for r in rows]) if rows else empty
            targets = torch.cat([r[1] for r in rows]) if rows else empty
            logits, targets = gather(logits, targets)
            if len(logits) >= 2:
                self.readout.fit_calibration(key, logits, targets)

    def clear_calibration_rows(self) -> None:
        self._calibration_rows = {}

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def from_multitask(cls, path: str | Path, **kwargs: Any) -> TaskModule:
        """This task, trunk and readout, from a multitask checkpoint, with strict key checks.

        The multitask trunk's weights become this task's own trunk. Trunk parts the task
        does not read (the Kalman filter, for a task without ``reads_kalman``) are the only
        keys left out; every key this module has must be in the checkpoint.
        """
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        hparams = checkpoint.get("hyper_parameters", {})
        tasks = hparams.get("config", {}).get("tasks", [])
        if "own_trunk" in hparams or cls.spec.name not in tasks:
            raise ValueError(
                f"{path}: not a multitask checkpoint with task {cls.spec.name!r} "
                f"(hyper_parameters: {sorted(hparams)}, config.tasks: {tasks})"
            )
        config = dict(hparams["config"]) | {"tasks": [cls.spec.name]}
        module = cls(config=config, weight_decay=hparams.get("weight_decay", 0.01), **kwargs)
        prefix = f"tasks.{cls.spec.name}.readout."
        state = {}
        for key, value in checkpoint["state_dict"].items():
            if key.startswith(prefix):
                state["readout." + key[len(prefix) :]] = value
            elif key.startswith("trunk.") and not (
                key.startswith("trunk.kalman.") and not cls.spec.reads_kalman
            ):
                state[key] = value
        module.load_state_dict(state, strict=True)
        return module.eval()
