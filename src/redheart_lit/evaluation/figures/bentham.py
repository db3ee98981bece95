"""Ethics (Bentham) figures: utility pairs, acceptability ROC, factor distributions.

Inputs as ``eval.py`` scores them (``BenthamReadout.held_out_predictions``):
``utility_pref`` -> ``(u_text - u_cf [P], preference [P])``; ``acceptability`` ->
``(p [N], y [N])``; ``bentham`` -> ``(factors [N, 10], targets [N, 10])``.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure
from torchmetrics.functional.classification import binary_roc

from redheart_lit.evaluation.classification import auroc, pairwise_accuracy
from redheart_lit.evaluation.figures.render import new_figure
from redheart_lit.tasks.spec import BENTHAM_FACTORS


def utility_pairs(diff: np.ndarray, preference: np.ndarray) -> Figure:
    """Histogram of ``u_text - u_cf`` for pairs preferring the text and the counterfactual."""
    accuracy = pairwise_accuracy(diff, np.zeros_like(diff), preference)
    figure, ax = new_figure(6.0, 4.0)
    prefer_text = preference >= 0.5
    bins = np.linspace(min(diff.min(), -1e-3), max(diff.max(), 1e-3), 21)
    ax.hist(diff[prefer_text], bins=bins, alpha=0.6, label="text preferred (want > 0)")
    ax.hist(diff[~prefer_text], bins=bins, alpha=0.6, label="counterfactual preferred (want < 0)")
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("u_text - u_cf")
    ax.set_ylabel("pairs")
    ax.set_title(f"Utility pairwise accuracy {accuracy:.3f} ({len(diff)} pairs)")
    ax.legend(fontsize=7)
    return figure


def acceptability_roc(p: np.ndarray, y: np.ndarray) -> Figure:
    """ROC of p(acceptable); AUROC from :func:`auroc` (NaN, and no curve, with one class)."""
    figure, ax = new_figure(4.8, 4.6)
    area = auroc(p, y)
    if np.isfinite(area):
        fpr, tpr, _ = binary_roc(torch.from_numpy(p).float(), torch.from_numpy(y >= 0.5).long())
        ax.plot(fpr.numpy(), tpr.numpy(), label=f"AUROC {area:.3f}")
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "one class only: ROC undefined", ha="center")
    ax.plot([0, 1], [0, 1], ":", color="gray")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"Acceptability ROC ({len(y)} rows)")
    return figure


def factor_distributions(factors: np.ndarray, targets: np.ndarray) -> Figure:
    """Box plots of each factor, predicted beside target."""
    figure, ax = new_figure(9.0, 4.2)
    k = len(BENTHAM_FACTORS)
    positions = np.arange(k)
    for offset, values, color, name in ((-0.18, factors, "tab:blue", "predicted"),
                                        (0.18, targets, "tab:orange", "target")):  # fmt: skip
        parts = ax.boxplot(
            [values[:, i] for i in range(k)], positions=positions + offset, widths=0.3,
            patch_artist=True, showfliers=False,
        )  # fmt: skip
        for box in parts["boxes"]:
            box.set_facecolor(color)
        parts["boxes"][0].set_label(name)
    ax.set_xticks(positions, BENTHAM_FACTORS, rotation=30, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("value")
    ax.set_title(f"Bentham factors, predicted vs target ({len(targets)} rows)")
    ax.legend(fontsize=7)
    return figure


def figures(labelled: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Figure]:
    out = {}
    if "utility_pref" in labelled:
        out["bentham/utility_pairs"] = utility_pairs(*labelled["utility_pref"])
    if "acceptability" in labelled:
        out["bentham/acceptability_roc"] = acceptability_roc(*labelled["acceptability"])
    if "bentham" in labelled:
        out["bentham/factor_distributions"] = factor_distributions(*labelled["bentham"])
    return out
