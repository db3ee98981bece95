"""Parameter table by module group, checked against the design's budget.

    python -m redheart_lit.params experiment=full_330m

The model is built on the meta device, so even the full model costs no memory.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
from rich.console import Console
from rich.table import Table
from torch import nn

from redheart_lit.model import RedHeartConfig, RedHeartModel

# The design's budget for full_330m, in parameters (groups and per-task parts).
DESIGN: dict[str, float] = {
    "backbone": 50e6,
    "heads": 80e6,
    "heads/emotion": 22e6,
    "heads/bentham": 20e6,
    "heads/regret": 22e6,
    "heads/surd": 16e6,
    "analyzers": 170e6,
    "analyzers/emotion": 50e6,
    "analyzers/bentham": 45e6,
    "analyzers/regret": 50e6,
    "analyzers/surd": 25e6,
    "auxiliary": 30e6,
    "total": 330e6,
}
GROUPS = ("encoder", "backbone", "heads", "analyzers", "auxiliary")


@dataclass(frozen=True)
class ParamRow:
    name: str  # "backbone", "heads/emotion", ..., "total"
    count: int


def _count(*modules: nn.Module | nn.Parameter | None) -> int:
    total = 0
    for m in modules:
        if isinstance(m, nn.Parameter):
            total += m.numel()
        elif m is not None:
            total += sum(p.numel() for p in m.parameters())
    return total


def param_table(model: RedHeartModel) -> list[ParamRow]:
    """Rows for each group and each task's part of it, then the total.

    Every parameter of the model is in exactly one group; the function checks that.
    """
    rows: list[ParamRow] = [ParamRow("backbone", _count(model.backbone))]
    if model.encoder is not None:  # a fine-tuned external encoder trains with the model
        rows.append(ParamRow("encoder", _count(model.encoder)))
    task_heads = {}
    for task, head in model.heads.items():
        extra = {
            "regret": getattr(model, "no_counterfactual", None),
            "bentham": getattr(model, "utility_weights", None),
        }.get(task)
        task_heads[task] = _count(head, extra)
    rows.append(ParamRow("heads", sum(task_heads.values())))
    rows += [ParamRow(f"heads/{t}", n) for t, n in task_heads.items()]
    analyzers = {t: _count(a) for t, a in model.analyzers.items()}
    rows.append(ParamRow("analyzers", sum(analyzers.values())))
    rows += [ParamRow(f"analyzers/{t}", n) for t, n in analyzers.items()]
    aux = {
        "dsp": _count(model.dsp),
        "kalman": _count(model.kalman),
        "calibration": _count(model.calibration),
    }
    rows.append(ParamRow("auxiliary", sum(aux.values())))
    rows += [ParamRow(f"auxiliary/{k}", n) for k, n in aux.items()]
    total = _count(model)
    grouped = sum(r.count for r in rows if r.name in GROUPS)
    if grouped != total:
        raise AssertionError(f"parameter groups cover {grouped} of {total} parameters")
    rows.append(ParamRow("total", total))
    return rows


def build_on_meta(config: dict) -> RedHeartModel:
    with torch.device("meta"):
        return RedHeartModel(RedHeartConfig.from_dict(config))


def render(rows: list[ParamRow], title: str = "Parameters") -> Table:
    """A rich table; the design columns appear only for a full-size model."""
    full_size = rows[-1].count > 0.5 * DESIGN["total"]
    table = Table(title=title)
    table.add_column("module")
    table.add_column("parameters", justify="right")
    table.add_column("design", justify="right")
    table.add_column("vs design", justify="right")
    for row in rows:
        design = DESIGN.get(row.name) if full_size else None
        style = "bold" if "/" not in row.name else None
        table.add_row(
            row.name if "/" not in row.name else "  " + row.name.split("/", 1)[1],
            f"{row.count / 1e6:,.2f}M",
            f"{design / 1e6:,.0f}M" if design else "",
            f"{(row.count / design - 1) * 100:+.1f}%" if design else "",
            style=style,
        )
    return table


def main(argv: list[str] | None = None) -> list[ParamRow]:
    from redheart_lit.cli import compose

    cfg = compose(list(sys.argv[1:] if argv is None else argv))
    from omegaconf import OmegaConf

    rows = param_table(build_on_meta(OmegaConf.to_container(cfg.model.config, resolve=True)))
    Console().print(render(rows, title=f"Parameters (model={cfg.hydra.runtime.choices.model})"))
    return rows


if __name__ == "__main__":
    main()
