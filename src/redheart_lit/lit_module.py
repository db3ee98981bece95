"""The LightningModule: one shared ``_step`` for every task and stage.

``RedHeartModule`` trains the tasks listed in ``config["tasks"]`` over one shared
backbone. With a single task (``model.config.tasks=[regret]``, or
``experiment=single_task single_task=regret``) it is that task's own LightningModule,
with its own backbone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.losses import MultiTaskLoss
from redheart_lit.metrics import TaskMetrics
from redheart_lit.model import RedHeartConfig, RedHeartModel, RedHeartOutput
from redheart_lit.model.calibration import CALIBRATED
from redheart_lit.optim import parameter_groups
from redheart_lit.tokenizer import ByteTokenizer

STAGES = ("train", "val", "test")


class RedHeartModule(L.LightningModule):
    """Args:
    config: the model config mapping (``conf/model/*.yaml`` ``config:``), stored in
        every checkpoint so that ``load_from_checkpoint`` needs nothing else.
    loss: the loss mix; may be None for inference.
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
        loss: MultiTaskLoss | None = None,
        optimizer: Callable[..., torch.optim.Optimizer] | None = None,
        scheduler: Callable[..., torch.optim.lr_scheduler.LRScheduler] | None = None,
        weight_decay: float = 0.01,
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.save_hyperparameters("config", "weight_decay", "compile")
        self.config = RedHeartConfig.from_dict(config)
        self.model = RedHeartModel(self.config)
        if compile:
            self.model.backbone.compile()
        self.tokenizer = ByteTokenizer.from_dict(self.config.tokenizer.__dict__)
        if loss is not None and set(loss.tasks) != set(self.config.tasks):
            raise ValueError(
                f"loss.tasks={list(loss.tasks)} differ from model.config.tasks={list(self.config.tasks)}"
            )
        self.loss = loss
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.weight_decay = weight_decay
        # Keyed "<stage>_metrics": a ModuleDict key "train" would shadow nn.Module.train.
        self.stage_metrics = nn.ModuleDict(
            {f"{s}_metrics": TaskMetrics(s, self.config.tasks) for s in STAGES}
        )
        self._calibration_data: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def forward(self, batch: Batch) -> RedHeartOutput:
        return self.model(batch)

    def _step(self, batch: Batch, stage: str) -> torch.Tensor | None:
        if self.loss is None:
            raise RuntimeError("this module was built without a loss; it can only predict")
        out = self.model(batch)
        result = self.loss(out, batch)
        with torch.no_grad():
            probabilities = self.model.probabilities(out)
        self.stage_metrics[f"{stage}_metrics"].update(
            out, batch, probabilities, result.tasks, result.total
        )
        if stage == "val":
            self._collect_calibration(out, batch)
        total = result.total
        if total is None:
            # No labels in this batch: a zero that keeps every rank's graph alike under DDP.
            total = sum(t.sum() for t in vars(out).values() if t is not None) * 0.0
        if stage == "train" and self._step_values_read():
            self.log("train/loss_step", total, prog_bar=True, batch_size=len(batch))
        return total

    def _step_values_read(self) -> bool:
        """Whether a value logged at this training step reaches a logger or the progress bar.

        Loggers write step values every ``trainer.log_every_n_steps``; values logged in
        between are overwritten unread. ``self.log`` costs ~0.5 ms a call on CPU (Lightning
        moves its result object to the value's device each time), 1.5% of a tiny-model
        step, so the loss is logged only when it is read; the progress bar shows the last.
        """
        trainer = self.trainer
        if not trainer.loggers and trainer.progress_bar_callback is None:
            return False
        return trainer._logger_connector.should_update_logs

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        self._step(batch, "test")

    def _updated_anywhere(self, flag: bool) -> bool:
        value = torch.tensor(float(flag), device=self.device)
        return bool(self.trainer.strategy.reduce(value, reduce_op="max") > 0)

    def _log_epoch(self, stage: str) -> None:
        results = self.stage_metrics[f"{stage}_metrics"].compute(self._updated_anywhere)
        # Values are already reduced over ranks by torchmetrics, so no sync_dist here.
        for name, value in results.items():
            self.log(name, value, prog_bar=name == f"{stage}/loss")

    def on_train_epoch_end(self) -> None:
        self._log_epoch("train")

    def on_validation_epoch_end(self) -> None:
        self._log_epoch("val")
        if not self.trainer.sanity_checking:
            self._fit_calibration()
        self._calibration_data = {}

    def on_test_epoch_end(self) -> None:
        self._log_epoch("test")

    # Calibration ----------------------------------------------------------------------
    def _collect_calibration(self, out: RedHeartOutput, batch: Batch) -> None:
        if self.model.calibration is None:
            return
        logits = {"emotion": out.emotion_logits, "acceptability": out.acceptability_logit,
                  "regret": out.regret_logit}  # fmt: skip
        for key in CALIBRATED:
            if logits.get(key) is None:
                continue
            mask = batch.label_mask[key]
            self._calibration_data.setdefault(key, []).append(
                (logits[key][mask].detach().float(), batch.labels[key][mask].float())
            )

    def _fit_calibration(self) -> None:
        if self.model.calibration is None:
            return
        for key in CALIBRATED:
            pairs = self._calibration_data.get(key, [])
            logits = torch.cat([p[0] for p in pairs]) if pairs else None
            targets = torch.cat([p[1] for p in pairs]) if pairs else None
            logits, targets = self._gather_rows(logits, targets, key)
            if logits is not None and len(logits) >= 2:
                self.model.calibration.fit(key, logits.cpu(), targets.cpu())
                self.model.calibration.to(self.device)
                if key == "emotion" and self.model.thresholds is not None:
                    # Tuned on the probabilities just calibrated, i.e. as inference sees them.
                    probabilities = self.model.calibration(key, logits.to(self.device))
                    self.model.thresholds.fit(probabilities, targets)

    def _gather_rows(self, logits, targets, key):  # type: ignore[no-untyped-def]
        """Concatenate calibration rows from every rank (all ranks then fit the same)."""
        if self.trainer.world_size == 1:
            return logits, targets
        width = CALIBRATED[key]
        empty = torch.zeros((0, width) if width > 1 else (0,), device=self.device)
        local = [logits if logits is not None else empty, targets if targets is not None else empty]
        gathered = [None] * self.trainer.world_size
        torch.distributed.all_gather_object(gathered, [t.cpu() for t in local])
        logits = torch.cat([g[0] for g in gathered])
        targets = torch.cat([g[1] for g in gathered])
        return (logits, targets) if len(logits) else (None, None)

    # Optimisation ---------------------------------------------------------------------
    def configure_optimizers(self) -> dict[str, Any]:
        if self.optimizer_factory is None:
            raise RuntimeError("no optimizer configured")
        modules = [self.model] + ([self.loss] if self.loss is not None else [])
        optimizer = self.optimizer_factory(parameter_groups(modules, self.weight_decay))
        if self.scheduler_factory is None:
            return {"optimizer": optimizer}
        scheduler = self.scheduler_factory(
            optimizer, total_steps=self.trainer.estimated_stepping_batches
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    # Checkpoints ----------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["tokenizer"] = self.tokenizer.to_dict()
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
        if self.loss is None:
            # Loaded for inference: learned loss weights (loss=uncertainty) are training state.
            state = checkpoint["state_dict"]
            for key in [k for k in state if k.startswith("loss.")]:
                del state[key]
        fitting = self._trainer is not None and self.trainer.state.fn == "fit"
        if fitting and "rng" in checkpoint:
            # Only a resumed fit takes over the RNG streams; loading for inference does not.
            torch.set_rng_state(checkpoint["rng"]["torch"])
            if checkpoint["rng"]["cuda"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(checkpoint["rng"]["cuda"])
            kind, keys, pos, has_gauss, gauss = checkpoint["rng"]["numpy"]
            np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
            random.setstate(checkpoint["rng"]["python"])
