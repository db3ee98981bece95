"""Regret figure: predicted regret against the target, ``(p [N], y [N])``."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from redheart_lit.evaluation.classification import mean_absolute_error
from redheart_lit.evaluation.figures.render import new_figure


def scatter(p: np.ndarray, y: np.ndarray) -> Figure:
    figure, ax = new_figure(4.8, 4.6)
    ax.scatter(y, p, s=12, alpha=0.7)
    ax.plot([0, 1], [0, 1], ":", color="gray")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("target regret")
    ax.set_ylabel("predicted regret")
    ax.set_title(f"Regret (MAE {mean_absolute_error(p, y):.3f}, {len(y)} rows)")
    return figure


def figures(labelled: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Figure]:
    return {"regret/scatter": scatter(*labelled["regret"])} if "regret" in labelled else {}
