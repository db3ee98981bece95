"""Emotion figures: per-label F1, PR curves, Ekman confusion, reliability, thresholds.

Input: calibrated probabilities ``p [N, 28]`` and 0/1 targets ``y [N, 28]`` of the rows
labelled with emotions, and the ``[28]`` decision thresholds the metrics use.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure
from torchmetrics.functional.classification import binary_precision_recall_curve

from redheart_lit.evaluation.calibration_error import DEFAULT_BINS, expected_calibration_error
from redheart_lit.evaluation.classification import apply_thresholds, f1_per_label, macro_f1
from redheart_lit.evaluation.ekman import EKMAN_LABELS, ekman_scores, ekman_targets
from redheart_lit.evaluation.figures.render import new_figure
from redheart_lit.model.aux.thresholds import DEFAULT_THRESHOLD
from redheart_lit.tasks.spec import EMOTION_LABELS


def f1_bars(p: np.ndarray, y: np.ndarray, thresholds: np.ndarray) -> Figure:
    """F1 of each of the 28 labels at ``thresholds``, sorted best first."""
    f1 = f1_per_label(apply_thresholds(p, thresholds), y)
    order = np.argsort(-f1, kind="stable")
    positives = (y >= 0.5).sum(0)
    figure, ax = new_figure(9.0, 4.2)
    colors = ["tab:blue" if positives[i] else "lightgray" for i in order]
    ax.bar(range(len(order)), f1[order], color=colors)
    ax.set_xticks(range(len(order)), [EMOTION_LABELS[i] for i in order], rotation=75, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.set_title(
        f"Per-label F1 (macro {macro_f1(apply_thresholds(p, thresholds), y):.3f}; "
        "gray: no positive row)"
    )
    return figure


def frequent_and_rare(y: np.ndarray, n: int = 3) -> tuple[list[int], list[int]]:
    """The ``n`` labels with the most positives and the ``n`` with the fewest (at least one)."""
    positives = (y >= 0.5).sum(0)
    present = [i for i in np.argsort(-positives, kind="stable") if positives[i] > 0]
    frequent = present[:n]
    rare = [i for i in reversed(present) if i not in frequent][:n]
    return frequent, rare


def pr_curves(p: np.ndarray, y: np.ndarray) -> Figure:
    """Precision-recall curves of the most frequent and the rarest labels."""
    frequent, rare = frequent_and_rare(y)
    figure, ax = new_figure(6.4, 4.4)
    for labels, style in ((frequent, "-"), (rare, "--")):
        for i in labels:
            precision, recall, _ = binary_precision_recall_curve(
                torch.from_numpy(p[:, i]).float(), torch.from_numpy((y[:, i] >= 0.5).astype(int))
            )
            ax.plot(recall.numpy(), precision.numpy(), style,
                    label=f"{EMOTION_LABELS[i]} ({int((y[:, i] >= 0.5).sum())} pos.)")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("PR curves: most frequent (solid) and rarest (dashed) labels")
    if frequent:
        ax.legend(fontsize=7, loc="lower left")
    return figure


def ekman_confusion(p: np.ndarray, y: np.ndarray) -> tuple[Figure, np.ndarray]:
    """Confusion matrix of the Ekman groups (6 + neutral), rows normalised.

    Emotion labels are multi-label, so a confusion matrix is defined on the rows whose
    true labels fall in exactly one Ekman group: the true group against the group with the
    highest score (:func:`ekman_scores`, the max of its members' probabilities). Returns
    the figure and the ``[7, 7]`` counts.
    """
    targets = ekman_targets(y)
    single = targets.sum(1) == 1
    true, predicted = targets[single].argmax(1), ekman_scores(p[single]).argmax(1)
    n = len(EKMAN_LABELS)
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    figure, ax = new_figure(5.6, 4.8)
    image = ax.imshow(rates, vmin=0, vmax=1, cmap="Blues")
    for (i, j), count in np.ndenumerate(counts):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if rates[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(n), EKMAN_LABELS, rotation=45)
    ax.set_yticks(range(n), EKMAN_LABELS)
    ax.set_xlabel("predicted group (highest score)")
    ax.set_ylabel("true group")
    ax.set_title(f"Ekman confusion ({int(single.sum())} single-group rows)")
    figure.colorbar(image, ax=ax, label="share of the true group's rows")
    return figure, counts


def reliability(p: np.ndarray, y: np.ndarray, n_bins: int = DEFAULT_BINS) -> Figure:
    """Reliability diagram over every (row, label) decision, with the same bins as ECE."""
    flat_p, flat_y = p.ravel(), (y >= 0.5).ravel().astype(float)
    bins = np.minimum((flat_p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    observed = np.bincount(bins, weights=flat_y, minlength=n_bins) / np.maximum(count, 1)
    mean_p = np.bincount(bins, weights=flat_p, minlength=n_bins) / np.maximum(count, 1)
    used = count > 0
    figure, ax = new_figure(5.2, 4.6)
    width = 1 / n_bins
    centers = (np.arange(n_bins) + 0.5) * width
    ax.bar(centers[used], observed[used], width=width * 0.9, label="observed frequency")
    ax.plot(mean_p[used], observed[used], "o", color="tab:red", ms=3, label="bin mean p")
    ax.plot([0, 1], [0, 1], ":", color="gray", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("share present")
    ece = expected_calibration_error(p, y, n_bins)
    ax.set_title(f"Reliability, all label decisions (ECE {ece:.3f})")
    ax.legend(fontsize=7, loc="upper left")
    return figure


def thresholds_bars(thresholds: np.ndarray) -> Figure:
    """The 28 decision thresholds; those still at the 0.5 default are gray."""
    figure, ax = new_figure(9.0, 3.6)
    colors = ["lightgray" if t == DEFAULT_THRESHOLD else "tab:green" for t in thresholds]
    ax.bar(range(len(thresholds)), thresholds, color=colors)
    ax.axhline(DEFAULT_THRESHOLD, color="gray", ls=":", lw=1)
    ax.set_xticks(range(len(thresholds)), EMOTION_LABELS, rotation=75, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("threshold")
    ax.set_title("Per-label decision thresholds (gray: default 0.5)")
    return figure


def figures(
    labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
) -> dict[str, Figure]:
    out = {"emotion/thresholds": thresholds_bars(np.asarray(thresholds, dtype=float))}
    if "emotion" not in labelled:
        return out
    p, y = labelled["emotion"]
    return out | {
        "emotion/f1_per_label": f1_bars(p, y, thresholds),
        "emotion/pr_curves": pr_curves(p, y),
        "emotion/ekman_confusion": ekman_confusion(p, y)[0],
        "emotion/reliability": reliability(p, y),
    }
