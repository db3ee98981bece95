"""Regret figure: predicted regret against the target, ``(p [N], y [N])``."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from redheart_lit.evaluation.classification import mean_absolute_error
from redheart_lit.evaluation.figures.render import unit_scatter


def scatter(p: np.ndarray, y: np.ndarray) -> Figure:
    title = f"Regret (MAE {mean_absolute_error(p, y):.3f}, {len(y)} rows)"
    return unit_scatter({"regret": (p, y)}, "regret", title, size=12)


def figures(labelled: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Figure]:
    return {"regret/scatter": scatter(*labelled["regret"])} if "regret" in labelled else {}
