"""Compose the Hydra config outside a Hydra run: for tools, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from redheart_lit.cli import resolvers  # noqa: F401 - registers the configs' resolvers
from redheart_lit.paths import config_dir


def compose(overrides: list[str], config_name: str = "train") -> DictConfig:
    """Compose the config outside a Hydra run (for tools like ``redheart_lit.cli.params``)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return hydra_compose(config_name, overrides=overrides, return_hydra_config=True)


def compose_run(
    overrides: list[str], run_dir: Path, root_dir: Path, config_name: str = "train"
) -> DictConfig:
    """``conf/<config_name>.yaml`` composed as its entry point would, writing to ``run_dir``.

    For code that runs a configured job in process (tests, benchmarks): the Hydra node is
    kept in ``HydraConfig`` (resolvers such as ``${hydra:runtime.choices}`` read it) and
    removed from the config, as in a real run's task config.
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict

    GlobalHydra.instance().clear()
    cfg = compose(overrides, config_name)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.paths.root_dir = str(root_dir)
        cfg.paths.output_dir = str(run_dir)
        cfg.paths.log_dir = str(run_dir)
        del cfg["hydra"]
    GlobalHydra.instance().clear()
    return cfg
