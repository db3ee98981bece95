"""From the composed ``conf/label.yaml`` to the typed settings the labeller takes."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from redheart_lit.label.settings import LabelSettings
from redheart_lit.llm.settings import LLMSettings


def settings_from_config(cfg: DictConfig) -> LabelSettings:
    """The typed settings of a composed ``label.yaml``; a missing or bad key is named."""
    llm: Any = OmegaConf.to_container(cfg.llm, resolve=True, throw_on_missing=True)
    return LabelSettings(
        input=str(cfg.input),
        output=str(cfg.output),
        llm=LLMSettings(**llm),
        cache_dir=str(cfg.cache_dir),
        overwrite=cfg.overwrite,
        dry_run=cfg.dry_run,
        dry_run_rows=cfg.dry_run_rows,
        retry_rejects=cfg.retry_rejects,
        progress=cfg.progress,
    )


def resolved_cache_dir() -> str:
    """``cache_dir`` of ``conf/label.yaml`` as a run from the current folder resolves it."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    from redheart_lit.cli.compose import compose

    GlobalHydra.instance().clear()
    cfg = compose([], "label")
    HydraConfig.instance().set_config(cfg)  # ${hydra:runtime.cwd} reads it
    try:
        return str(cfg.cache_dir)
    finally:
        GlobalHydra.instance().clear()
