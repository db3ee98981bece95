"""SURD figures: predicted against target shares, and the share distributions.

Input: normalised shares ``[N, 4]`` (synergy, unique, redundant, leak) and their targets.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from redheart_lit.evaluation.classification import mean_absolute_error
from redheart_lit.evaluation.figures.render import new_figure, unit_scatter
from redheart_lit.tasks.spec import SURD_SHARES


def scatter(p: np.ndarray, y: np.ndarray) -> Figure:
    series = {name: (p[:, i], y[:, i]) for i, name in enumerate(SURD_SHARES)}
    title = f"SURD shares (MAE {mean_absolute_error(p, y):.3f}, {len(y)} rows)"
    return unit_scatter(series, "share", title, size=10)


def distributions(p: np.ndarray, y: np.ndarray) -> Figure:
    figure, ax = new_figure(6.0, 4.0)
    positions = np.arange(len(SURD_SHARES))
    for offset, values in ((-0.18, p), (0.18, y)):
        ax.violinplot([values[:, i] for i in positions], positions=positions + offset,
                      widths=0.32, showmedians=True)  # fmt: skip
    ax.set_xticks(positions, SURD_SHARES)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share")
    ax.set_title("SURD share distributions (left: predicted, right: target)")
    return figure


def figures(labelled: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Figure]:
    if "surd" not in labelled:
        return {}
    p, y = labelled["surd"]
    return {"surd/scatter": scatter(p, y), "surd/share_distributions": distributions(p, y)}
