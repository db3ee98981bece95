"""``python train.py [overrides]`` (see ``--help``): compose, instantiate, fit, test.

The CLI composes the Hydra config, instantiates every object from its ``_target_`` and
runs Lightning. Logic lives in the modules it instantiates, not here.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig, OmegaConf
from rich.console import Console

from redheart_lit.cli.compose import compose_run  # noqa: F401 - callers of train() compose with it
from redheart_lit.cli.config_tree import print_config_tree
from redheart_lit.paths import config_dir
from redheart_lit.tasks.sizes import ParamRow, param_table, render
from redheart_lit.tasks.spec import check_task_names
from redheart_lit.training.dashboards import DashboardCallback

log = logging.getLogger(__name__)


def _instantiate_group(cfg: DictConfig | None, kind: str) -> list[Any]:
    """Objects of a dict-of-configs group (callbacks, logger); ``null`` entries are off."""
    objects = []
    for name, entry in (cfg or {}).items():
        if entry is None:
            continue
        if not isinstance(entry, DictConfig) or "_target_" not in entry:
            raise ValueError(f"{kind}.{name} has no _target_; set it, or set {kind}.{name}=null")
        objects.append(instantiate(entry))
    return objects


def _log_param_table(rows: list[ParamRow], loggers: list[Logger], title: str) -> None:
    Console().print(render(rows, title=title))
    flat = {f"params/{row.name}": row.count for row in rows}
    for logger in loggers:
        logger.log_hyperparams(flat)
        if isinstance(logger, WandbLogger):
            logger.log_table(
                key="model/parameters", columns=["module", "parameters"],
                data=[[r.name, r.count] for r in rows],
            )  # fmt: skip


def print_task_metrics(metrics: dict[str, float], stage: str) -> None:
    """A table of the ``stage/task/metric`` values, one row per metric, grouped by task."""
    from rich.table import Table

    table = Table(title=f"{stage} metrics (last epoch)")
    for column in ("task", "metric", "value"):
        table.add_column(column, justify="right" if column == "value" else "left")
    previous = None
    for key in sorted(k for k in metrics if k.startswith(f"{stage}/") and k.count("/") == 2):
        _, task, name = key.split("/")
        table.add_row(task if task != previous else "", name, f"{metrics[key]:.4f}")
        previous = task
    if table.row_count:
        Console().print(table)


def _metrics(trainer: L.Trainer) -> dict[str, float]:
    return {k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1}


def build_losses(cfg: DictConfig, tasks: list[str]) -> dict[str, Any]:
    """Each selected task's loss module from ``loss.<task>`` (``conf/loss/<task>/``)."""
    missing = [t for t in tasks if cfg.loss.get(t) is None]
    if missing:
        raise ValueError(
            f"no loss configured for task(s) {missing}: choose one with loss/<task>=<option> "
            f"(options: python train.py --help)"
        )
    return {t: instantiate(cfg.loss[t]) for t in tasks}


def import_task_modules(names: list[str]) -> None:
    """Import the modules of ``task_modules``: defining a TaskModule subclass registers it."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise ImportError(f"task_modules: cannot import {name!r} ({err})") from err


def instantiate_run(cfg: DictConfig) -> tuple[L.LightningDataModule, L.LightningModule]:
    """Seed, then build the data module and the module (with its losses, optimizer, schedule)."""
    import_task_modules(list(cfg.task_modules))
    if cfg.get("seed") is not None:
        L.seed_everything(cfg.seed, workers=True)
    datamodule: L.LightningDataModule = instantiate(cfg.data)
    # Checked before the losses, so that a misspelt task is named as such.
    tasks = list(check_task_names(list(cfg.model.config.tasks)))
    losses = build_losses(cfg, tasks)
    weighting_cfg = cfg.loss.get("weighting")
    weighting = instantiate(weighting_cfg, tasks=tasks) if weighting_cfg is not None else None
    optimizer = instantiate(cfg.optimizer)
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    module = instantiate(
        cfg.model, losses=losses, weighting=weighting, optimizer=optimizer, scheduler=scheduler
    )
    return datamodule, module


def train(cfg: DictConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """Fit (and optionally test) the configured model; return metrics and the objects."""
    datamodule, module = instantiate_run(cfg)
    callbacks: list[Callback] = _instantiate_group(cfg.get("callbacks"), "callbacks")
    loggers: list[Logger] = _instantiate_group(cfg.get("logger"), "logger")
    for callback in callbacks:
        if isinstance(callback, DashboardCallback):
            callback.attach_run_config(cfg)
    trainer: L.Trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)

    if trainer.is_global_zero:
        _log_param_table(param_table(module), loggers, "Parameters")
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))

    trainer.fit(module, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
    metrics = _metrics(trainer)
    if trainer.is_global_zero:
        print_task_metrics(metrics, "val")

    if cfg.get("test"):
        checkpoint = next((c for c in callbacks if isinstance(c, ModelCheckpoint)), None)
        best = checkpoint.best_model_path if checkpoint else ""
        if best:
            log.info("testing the best checkpoint %s", best)
            trainer.test(module, datamodule=datamodule, ckpt_path=best)
        elif trainer.fast_dev_run:
            log.info("fast_dev_run saves no checkpoint: testing the current weights")
            trainer.test(module, datamodule=datamodule)
        else:
            raise RuntimeError(
                "test=true but no best checkpoint was saved: enable callbacks.model_checkpoint "
                "(with a monitor that is logged) or set test=false"
            )
        metrics.update(_metrics(trainer))
    return metrics, {"trainer": trainer, "module": module, "datamodule": datamodule}


def _write_metrics(metrics: dict[str, float], output_dir: str, rank: int) -> Path:
    out = Path(output_dir)
    path = out / ("metrics.json" if rank == 0 else f"metrics.rank{rank}.json")
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return path


def run(cfg: DictConfig) -> float | None:
    """The Hydra task: print the config, train, write ``metrics.json``, return the metric."""
    if cfg.get("print_config") and (not torch.distributed.is_available() or _rank() == 0):
        print_config_tree(cfg)
    try:
        metrics, objects = train(cfg)
    finally:
        # In a multirun every job is its own W&B run: close this one before the next job
        # starts, or wandb keeps logging the next job into it.
        _finish_wandb()
    rank = objects["trainer"].global_rank
    path = _write_metrics(metrics, cfg.paths.output_dir, rank)
    name = cfg.get("optimized_metric")
    if not name:
        return None
    if name not in metrics:
        raise KeyError(f"optimized_metric={name!r} was not logged; logged: {sorted(metrics)}")
    value = metrics[name]
    if rank == 0:
        log.info("%s = %.6f (all metrics in %s)", name, value, path)
    if not math.isfinite(value):
        raise FloatingPointError(f"optimized_metric {name} is {value}")
    return value


def _finish_wandb() -> None:
    import wandb

    if wandb.run is not None:
        wandb.finish()


def _rank() -> int:
    import os

    return int(os.environ.get("LOCAL_RANK", os.environ.get("RANK", 0)))


def main() -> None:
    hydra.main(config_path=str(config_dir()), config_name="train", version_base="1.3")(run)()
