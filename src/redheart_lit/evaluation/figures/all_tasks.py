"""Every task's figures from one evaluation pass."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from redheart_lit.evaluation.figures import bentham, emotion, regret, surd

# Figure key -> title, in the order reports show them.
FIGURE_TITLES: dict[str, str] = {
    "emotion/f1_per_label": "Emotion: per-label F1 (sorted)",
    "emotion/pr_curves": "Emotion: precision-recall, most frequent and rarest labels",
    "emotion/ekman_confusion": "Emotion: Ekman-group confusion matrix",
    "emotion/reliability": "Emotion: reliability diagram",
    "emotion/thresholds": "Emotion: per-label thresholds",
    "bentham/utility_pairs": "Ethics: utility pairwise accuracy",
    "bentham/acceptability_roc": "Ethics: acceptability ROC",
    "bentham/factor_distributions": "Ethics: Bentham factor distributions",
    "regret/scatter": "Regret: predicted vs target",
    "surd/scatter": "SURD: predicted vs target shares",
    "surd/share_distributions": "SURD: share distributions",
}


def task_figures(
    labelled: dict[str, tuple[np.ndarray, np.ndarray]],
    thresholds: np.ndarray | None,
) -> dict[str, Figure]:
    """Figures of every task with labelled rows, keyed ``<task>/<name>`` (FIGURE_TITLES order).

    ``labelled``: label key -> (predictions, targets), as ``eval.py`` scores them.
    ``thresholds``: the ``[28]`` emotion thresholds, or None when the model has no
    emotion task.
    """
    out: dict[str, Figure] = {}
    if thresholds is not None:
        out |= emotion.figures(labelled, thresholds)
    out |= bentham.figures(labelled) | regret.figures(labelled) | surd.figures(labelled)
    unknown = set(out) - set(FIGURE_TITLES)
    if unknown:  # pragma: no cover - a figure added without its title
        raise KeyError(f"figures without a title in FIGURE_TITLES: {sorted(unknown)}")
    return {key: out[key] for key in FIGURE_TITLES if key in out}
