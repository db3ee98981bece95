"""Parameter table by module group, checked against the design's budget.

    python -m redheart_lit.cli.params experiment=full_330m

The table itself is :func:`redheart_lit.tasks.sizes.param_table`.
"""

from __future__ import annotations

import sys

from omegaconf import OmegaConf
from rich.console import Console

from redheart_lit.cli.compose import compose
from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.sizes import ParamRow, build_on_meta, param_table, render


def main(argv: list[str] | None = None) -> list[ParamRow]:
    cfg = compose(list(sys.argv[1:] if argv is None else argv))
    config = ModelConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
    rows = param_table(build_on_meta(config))
    Console().print(render(rows, title=f"Parameters (model={cfg.hydra.runtime.choices.model})"))
    return rows


if __name__ == "__main__":
    main()
