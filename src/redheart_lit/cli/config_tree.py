"""Print the composed config as a rich tree, main groups first."""

from __future__ import annotations

from pathlib import Path

import rich
import rich.syntax
import rich.tree
from omegaconf import DictConfig, OmegaConf

ORDER = (
    "data",
    "model",
    "loss",
    "optimizer",
    "scheduler",
    "memory",
    "trainer",
    "callbacks",
    "logger",
)


def print_config_tree(cfg: DictConfig, save_to: Path | None = None) -> None:
    tree = rich.tree.Tree("CONFIG", style="bold", guide_style="dim")
    fields = [k for k in ORDER if k in cfg] + [k for k in cfg if k not in ORDER]
    for name in fields:
        branch = tree.add(str(name), style="bold cyan", guide_style="dim")
        node = cfg[name]
        text = OmegaConf.to_yaml(node, resolve=True) if isinstance(node, DictConfig) else str(node)
        branch.add(rich.syntax.Syntax(text, "yaml"))
    rich.print(tree)
    if save_to is not None:
        with save_to.open("w") as handle:
            rich.print(tree, file=handle)
