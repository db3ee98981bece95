"""OmegaConf resolvers the configs use; importing this module registers them."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf


def wandb_group(task_name: str) -> str:
    """``${wandb_group:${task_name}}``: the W&B group of a run.

    A single run is grouped by its task name. Every job of a multirun (``-m``) is its own
    W&B run, grouped by the sweep: ``<task_name>-sweep-<sweep folder name>``, so the jobs
    of one sweep sit together and apart from other sweeps.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if not HydraConfig.initialized():
        return task_name
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return task_name
    return f"{task_name}-sweep-{Path(hydra_cfg.sweep.dir).name}"


if not OmegaConf.has_resolver("wandb_group"):
    OmegaConf.register_new_resolver("wandb_group", wandb_group)
