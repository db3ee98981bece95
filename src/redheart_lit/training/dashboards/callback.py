"""The dashboards callback: figures, sample predictions and run metadata at each evaluation.

After every validation epoch (once calibration and thresholds are refitted) and after
the test, rank 0 scores the split's records with the held-out evaluation's own code
(:func:`redheart_lit.evaluation.run.predict`: the same predictions ``eval.py`` scores)
and draws every task's figures (``evaluation/figures/``). It writes them as PNG files
under ``<run dir>/dashboards/<stage>/`` and logs them to the W&B and TensorBoard loggers
of the run. A fixed set of validation rows goes into a sample-predictions table at each
evaluation. At fit start it records the run metadata. (Which value of each metric is the
best one, for W&B's run summary, is the W&B logger's business: ``wandb_logger.py``.)

Only rank 0 logs media: under DDP the other ranks skip every hook here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import lightning as L
import yaml
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import WandbLogger
from omegaconf import DictConfig, OmegaConf

from redheart_lit.data.datamodule import RecordDataModule
from redheart_lit.evaluation.figures import task_figures
from redheart_lit.evaluation.run import checkpoint_thresholds, predict
from redheart_lit.evaluation.samples import COLUMNS, pick_rows, sample_rows
from redheart_lit.tasks.root import TrainableModule
from redheart_lit.training.dashboards.metadata import git_state, parameter_text, peak_memory_mb
from redheart_lit.training.dashboards.sinks import FileSink, Image, TensorBoardSink, logger_sinks
from redheart_lit.training.dashboards.wandb_logger import TaskFirstWandbLogger

log = logging.getLogger(__name__)


class DashboardCallback(Callback):
    """Args:
    output_dir: the run folder; files go to ``<output_dir>/dashboards``.
    root_dir: the project checkout whose git commit the metadata records.
    sample_rows: how many validation records (the first ones, fixed) the table shows.
    every_n_epochs: draw the validation figures every this many validation epochs (the
        figures cost one extra pass over the validation records).
    """

    def __init__(
        self, output_dir: str, root_dir: str, sample_rows: int = 8, every_n_epochs: int = 1
    ) -> None:
        if every_n_epochs < 1:
            raise ValueError(
                f"callbacks.dashboards.every_n_epochs must be >= 1, got {every_n_epochs}"
            )
        if sample_rows < 1:
            raise ValueError(f"callbacks.dashboards.sample_rows must be >= 1, got {sample_rows}")
        self.root = Path(output_dir) / "dashboards"
        self.root_dir = Path(root_dir)
        self.sample_rows = sample_rows
        self.every_n_epochs = every_n_epochs
        self.run_config: dict[str, Any] | None = None
        self._validations = 0

    def attach_run_config(self, cfg: DictConfig) -> None:
        """The resolved run config, for the metadata (``train.py`` calls this)."""
        container = OmegaConf.to_container(cfg, resolve=True)
        assert isinstance(container, dict)
        self.run_config = container

    # -- hooks ---------------------------------------------------------------------------
    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        for logger in trainer.loggers:
            if isinstance(logger, WandbLogger) and not isinstance(logger, TaskFirstWandbLogger):
                log.warning(
                    "dashboards: %s sends keys stage-first (one W&B section per stage) and "
                    "keeps the last value as the summary; logger=wandb uses "
                    "TaskFirstWandbLogger (docs/dashboards.md)", type(logger).__name__,
                )  # fmt: skip
        self._log_metadata(trainer, _trainable(pl_module), "fit start")

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        self._validations += 1
        if (self._validations - 1) % self.every_n_epochs:
            return
        folder = self.root / "val" / f"epoch_{trainer.current_epoch:03d}"
        self._log_evaluation(trainer, _trainable(pl_module), "val", folder)

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        module = _trainable(pl_module)
        self._log_evaluation(trainer, module, "test", self.root / "test")
        self._log_metadata(trainer, module, "test end")

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero:
            self._log_metadata(trainer, _trainable(pl_module), "fit end")

    # -- work ----------------------------------------------------------------------------
    def _log_evaluation(
        self, trainer: L.Trainer, module: TrainableModule, stage: str, folder: Path
    ) -> None:
        datamodule = _datamodule(trainer)
        records = datamodule.records_for(stage)
        outputs = predict(module, records, datamodule.collate, datamodule.eval_batch_size,
                          module.device)  # fmt: skip
        labelled = {key: (o.prediction, o.target) for key, o in outputs.items()}
        has_emotion = "emotion" in module.readouts()
        thresholds = checkpoint_thresholds(module).values if has_emotion else None
        images = {
            key: Image.of(figure) for key, figure in task_figures(labelled, thresholds).items()
        }
        # The table always shows validation rows, also at test: one fixed set for the run.
        fixed = pick_rows(datamodule.records_for("val"), self.sample_rows)
        readouts = module.readouts()
        rows = sample_rows(module.trunk, readouts, fixed, datamodule.collate, module.device)
        step = trainer.global_step
        sinks = [FileSink(folder), *logger_sinks(trainer.loggers)]
        for sink in sinks:
            for key, image in images.items():
                sink.figure(f"{stage}/{key}", image, step)
            sink.table(f"{stage}/samples", list(COLUMNS), rows, step)
            if isinstance(sink, TensorBoardSink):
                sink.flush()
        log.info("dashboards: %d %s figures and the sample table in %s", len(images), stage, folder)

    def _log_metadata(self, trainer: L.Trainer, module: TrainableModule, when: str) -> None:
        """Config, parameter table, git commit and the peak memory so far (``when``: fit start,
        fit end or test end; the last one written wins in the files)."""
        git = git_state(self.root_dir)
        peak, measure = peak_memory_mb(module.device)
        param_rows, param_text = parameter_text(module)
        metadata = {
            "git_commit": git.commit, "git_dirty": git.dirty, "git_problem": git.problem,
            "peak_memory_mb": round(peak, 1), "peak_memory_measures": measure,
            "after": when,
            "parameters": dict(param_rows),  # type: ignore[arg-type]
        }  # fmt: skip
        text = "\n".join([
            f"git commit: {git.describe()}",
            f"peak memory: {peak:.1f} MiB ({measure}, after {metadata['after']})",
            "", param_text,
            "resolved config:", "",
            yaml.safe_dump(self.run_config, sort_keys=False) if self.run_config is not None
            else "(not attached: the callback was built outside train.py)",
        ])  # fmt: skip
        files = FileSink(self.root)
        files.text("run/metadata", text, trainer.global_step)
        (self.root / "run_metadata.json").write_text(json.dumps(metadata, indent=1) + "\n")
        for logger in trainer.loggers:
            logger.log_metrics({"run/peak_memory_mb": peak}, step=trainer.global_step)
            if isinstance(logger, WandbLogger):
                summary = logger.experiment.summary
                summary["run/git_commit"] = git.describe()
                summary["run/peak_memory_mb"] = peak
        # The parameter table is also a W&B table of its own (model/parameters, train.py).
        for sink in logger_sinks(trainer.loggers):
            sink.text("run/metadata", text, trainer.global_step)


def _trainable(pl_module: L.LightningModule) -> TrainableModule:
    if not isinstance(pl_module, TrainableModule):
        raise TypeError(
            f"DashboardCallback needs a TrainableModule, got {type(pl_module).__name__}"
        )
    return pl_module


def _datamodule(trainer: L.Trainer) -> RecordDataModule:
    datamodule = trainer.datamodule
    if not isinstance(datamodule, RecordDataModule):
        raise TypeError(
            "DashboardCallback reads the split's records from a RecordDataModule; this run has "
            f"{type(datamodule).__name__}. Disable it with callbacks.dashboards=null"
        )
    return datamodule
