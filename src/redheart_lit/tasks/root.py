"""What a LightningModule needs to be *the* module of a run, whether it trains one task or many.

:class:`TrainableModule` holds the one training step: the trunk reads the batch, each task
does its per-batch work on the shared states (:meth:`TaskModule.task_step`), and the task
losses combine into the optimised total. :class:`~redheart_lit.tasks.base.TaskModule`
trained alone and :class:`~redheart_lit.tasks.multitask.MultiTaskModule` both inherit it;
they differ only in which tasks they hold and how losses combine.

It also logs ``stage/loss`` and every task's metrics at epoch end, refits calibration
after each validation epoch, builds the optimizer and schedule, and stores the RNG
streams in checkpoints so that a resumed run continues exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import lightning as L
import numpy as np
import torch
from torch import nn
from torchmetrics import MeanMetric

from redheart_lit.data.batch import Batch
from redheart_lit.model.trunk import Trunk
from redheart_lit.optim import parameter_groups

if TYPE_CHECKING:
    from redheart_lit.tasks.base import TaskModule
    from redheart_lit.tasks.readout.base import TaskReadout

STAGES = ("train", "val", "test")
Optimizer = Callable[..., torch.optim.Optimizer]
Scheduler = Callable[..., torch.optim.lr_scheduler.LRScheduler]


class TrainableModule(L.LightningModule):
    """Subclasses provide :attr:`trunk`, :meth:`task_modules` and :meth:`combine`."""

    trunk: Trunk | None

    def setup_training(
        self,
        optimizer: Optimizer | None,
        scheduler: Scheduler | None,
        weight_decay: float,
    ) -> None:
        """Called from the subclass's ``__init__`` once its modules exist."""
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.weight_decay = weight_decay
        # Keyed "<stage>_loss": a ModuleDict key "train" would shadow nn.Module.train.
        self.total_losses = nn.ModuleDict({f"{s}_loss": MeanMetric() for s in STAGES})

    def task_modules(self) -> dict[str, TaskModule]:
        raise NotImplementedError

    def combine(self, losses: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """The optimised total of the task losses present in a batch (None: none present)."""
        raise NotImplementedError

    def readouts(self) -> dict[str, TaskReadout]:
        """Task -> its readout: what evaluation and export read."""
        return {name: task.readout for name, task in self.task_modules().items()}

    def training_modules(self) -> list[nn.Module]:
        """Modules whose parameters the optimizer updates."""
        return [self]

    # -- the step ------------------------------------------------------------------------
    def _step(self, batch: Batch, stage: str) -> torch.Tensor:
        total = self.batch_loss(batch, stage)
        if stage == "train" and self._step_values_read():
            self.log("train/loss_step", total, prog_bar=True, batch_size=len(batch))
        return total

    def batch_loss(self, batch: Batch, stage: str = "train") -> torch.Tensor:
        """The optimised total loss of ``batch``; updates ``stage``'s metrics, logs nothing.

        The whole of a step but the logging, so that it also runs without a Trainer (the
        plain-PyTorch loop in ``benchmarks/train_step.py`` calls it).
        """
        if self.trunk is None:
            raise RuntimeError(f"{type(self).__name__} has no trunk of its own to step with")
        shared = self.trunk(batch)
        losses, steps = {}, []
        for name, task in self.task_modules().items():
            step = task.task_step(batch, shared, stage)
            steps.append(step)
            if step.loss is not None:
                losses[name] = step.loss
        total = self.combine(losses)
        if total is not None:
            self.total_losses[f"{stage}_loss"].update(total.detach())
        else:
            # No labels in this batch: a zero that keeps every rank's graph alike under DDP.
            total = torch.stack([s.zero() for s in steps]).sum()
        return total

    def _step_values_read(self) -> bool:
        """Whether a value logged at this training step reaches a logger or the progress bar.

        Loggers write step values every ``trainer.log_every_n_steps``; values logged in
        between are overwritten unread. ``self.log`` costs ~0.5 ms a call on CPU (Lightning
        moves its result object to the value's device each time), 1.5% of a tiny-model
        step, so the loss is logged only when it is read; the progress bar shows the last.
        Lightning's loggers write at the same steps: every ``log_every_n_steps`` optimizer
        steps (``global_step`` counts them; ``+ 1`` because this one has not happened yet),
        and when the run is about to stop.
        """
        trainer = self.trainer
        if not trainer.loggers and trainer.progress_bar_callback is None:
            return False
        if trainer.log_every_n_steps == 0:
            return False
        return (trainer.global_step + 1) % trainer.log_every_n_steps == 0 or trainer.should_stop

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "test")

    # -- epoch ends ------------------------------------------------------------------------
    def _updated_anywhere(self, flag: bool) -> bool:
        value = torch.tensor(float(flag), device=self.device)
        return bool(self.trainer.strategy.reduce(value, reduce_op="max") > 0)

    def _log_epoch(self, stage: str) -> None:
        results = {}
        for task in self.task_modules().values():
            results |= task.stage_metrics[f"{stage}_metrics"].compute(self._updated_anywhere)
        total = self.total_losses[f"{stage}_loss"]
        if self._updated_anywhere(total.update_called):
            results[f"{stage}/loss"] = total.compute()
        total.reset()
        # Values are already reduced over ranks by torchmetrics, so no sync_dist here.
        for name, value in results.items():
            self.log(name, value, prog_bar=name == f"{stage}/loss")

    def on_train_epoch_end(self) -> None:
        self._log_epoch("train")

    def on_validation_epoch_end(self) -> None:
        self._log_epoch("val")
        for task in self.task_modules().values():
            if not self.trainer.sanity_checking:
                task.fit_calibration(self._gather_rows)
            task.clear_calibration_rows()

    def on_test_epoch_end(self) -> None:
        self._log_epoch("test")

    def _gather_rows(
        self, logits: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Concatenate calibration rows from every rank (all ranks then fit the same)."""
        if self.trainer.world_size == 1:
            return logits, targets
        gathered: list[Any] = [None] * self.trainer.world_size
        torch.distributed.all_gather_object(gathered, [logits.cpu(), targets.cpu()])
        return torch.cat([g[0] for g in gathered]), torch.cat([g[1] for g in gathered])

    # -- optimisation -----------------------------------------------------------------------
    def configure_optimizers(self) -> dict[str, Any]:
        if self.optimizer_factory is None:
            raise RuntimeError("no optimizer configured")
        groups = parameter_groups(self.training_modules(), self.weight_decay)
        optimizer = self.optimizer_factory(groups)
        if self.scheduler_factory is None:
            return {"optimizer": optimizer}
        scheduler = self.scheduler_factory(
            optimizer, total_steps=self.trainer.estimated_stepping_batches
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    # -- checkpoints ------------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # RNG states make a resumed run continue exactly where the saved one stopped.
        # Stored as tensors and plain Python values so that weights_only loading accepts them.
        kind, keys, pos, has_gauss, gauss = np.random.get_state()
        checkpoint["rng"] = {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
            "python": random.getstate(),
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        fitting = self._trainer is not None and self.trainer.state.fn == "fit"
        if fitting and "rng" in checkpoint:
            # Only a resumed fit takes over the RNG streams; loading for inference does not.
            torch.set_rng_state(checkpoint["rng"]["torch"])
            if checkpoint["rng"]["cuda"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(checkpoint["rng"]["cuda"])
            kind, keys, pos, has_gauss, gauss = checkpoint["rng"]["numpy"]
            np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
            random.setstate(checkpoint["rng"]["python"])
