"""Classification metrics on numpy arrays: F1 at given thresholds, accuracy, AUROC, kappa.

Conventions, chosen to match sklearn and torchmetrics where they agree:

* A decision is positive when ``probability >= threshold``.
* F1 of a label with no true positive, false positive or false negative (no positives and
  no positive predictions) is 0, as with sklearn's ``zero_division=0`` and torchmetrics.
  Macro-F1 averages over every label, so such a label pulls the average down.
* AUROC is undefined when the targets hold one class only; it is then NaN, never an
  invented 0.5. Cohen's kappa is NaN when chance agreement is 1 (both raters use one
  and the same class throughout), as with sklearn.
* Every function refuses empty input: a metric over no labelled rows is not a number.
"""

from __future__ import annotations

import numpy as np


def _check_rows(*arrays: np.ndarray) -> None:
    if len(arrays[0]) == 0:
        raise ValueError("no rows: a metric needs at least one labelled row")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"shapes differ: {sorted(shapes)}")


def apply_thresholds(probabilities: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """Decisions ``probabilities >= thresholds``: ``[N, K]`` bool (thresholds ``[K]`` or scalar)."""
    return np.asarray(probabilities) >= np.asarray(thresholds)


def _counts(predicted: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-column ``(tp, fp, fn)`` of bool ``predicted`` against 0/1 ``targets`` ``[N, K]``."""
    predicted = np.asarray(predicted, dtype=bool)
    positive = np.asarray(targets) >= 0.5
    _check_rows(predicted, positive)
    tp = (predicted & positive).sum(0)
    fp = (predicted & ~positive).sum(0)
    fn = (~predicted & positive).sum(0)
    return tp, fp, fn


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def f1_per_label(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """F1 of every column of ``[N, K]`` decisions: ``[K]``."""
    return _f1(*_counts(predicted, targets))


def macro_f1(predicted: np.ndarray, targets: np.ndarray) -> float:
    """Unweighted mean of the per-label F1 over all ``K`` labels."""
    return float(f1_per_label(predicted, targets).mean())


def micro_f1(predicted: np.ndarray, targets: np.ndarray) -> float:
    """F1 of the pooled counts of all labels."""
    tp, fp, fn = (c.sum() for c in _counts(predicted, targets))
    return float(_f1(tp, fp, fn))


def binary_accuracy(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """Share of rows where ``probability >= 0.5`` agrees with ``target >= 0.5``.

    Targets in [0, 1] (such as regret) are binarised at 0.5 as well.
    """
    probabilities, targets = np.asarray(probabilities), np.asarray(targets)
    _check_rows(probabilities, targets)
    return float(((probabilities >= 0.5) == (targets >= 0.5)).mean())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values`` ``[N]``; tied values share the mean of their ranks."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(len(values))
    # A tie group occupying sorted positions first..first+count-1 (0-based) gets the mean
    # of the 1-based ranks first+1..first+count.
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def auroc(scores: np.ndarray, targets: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count 1/2.

    Computed from ranks (Mann-Whitney U). ``targets`` are 0/1 (values in [0, 1] are
    binarised at 0.5). NaN when the targets hold only one class.
    """
    scores, targets = np.asarray(scores, dtype=float), np.asarray(targets)
    _check_rows(scores, targets)
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    positive = targets >= 0.5
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum = average_ranks(scores)[positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pairwise_accuracy(
    utility_text: np.ndarray, utility_counterfactual: np.ndarray, preference: np.ndarray
) -> float:
    """Share of pairs whose utility order matches the human preference.

    ``preference`` is 1 when the text's scenario was judged more pleasant than the
    counterfactual's, else 0. A pair is right when ``sign(u_text - u_cf)`` is ``+`` for
    preference 1 and ``-`` for preference 0; an exact tie (no order) counts 1/2, the same
    as a tie in AUROC.
    """
    diff = np.asarray(utility_text, dtype=float) - np.asarray(utility_counterfactual, dtype=float)
    preference = np.asarray(preference)
    _check_rows(diff, preference)
    wanted = np.where(preference >= 0.5, 1.0, -1.0)
    right = np.where(diff == 0, 0.5, (np.sign(diff) == wanted).astype(float))
    return float(right.mean())


def mean_absolute_error(predictions: np.ndarray, targets: np.ndarray) -> float:
    """Mean of ``|prediction - target|`` over every element."""
    predictions, targets = np.asarray(predictions, dtype=float), np.asarray(targets, dtype=float)
    _check_rows(predictions, targets)
    return float(np.abs(predictions - targets).mean())


def cohen_kappa(rater_a: np.ndarray, rater_b: np.ndarray) -> np.ndarray:
    """Cohen's kappa of two raters' binary decisions, per column of ``[N, K]``: ``[K]``.

    ``kappa = (p_o - p_e) / (1 - p_e)``: ``p_o`` the share of rows where the two agree,
    ``p_e`` the agreement expected by chance from each rater's own rate of positives.
    Inputs are 0/1 (values in [0, 1] are binarised at 0.5); a 1-D input is one column.
    """
    a = np.asarray(rater_a, dtype=float) >= 0.5
    b = np.asarray(rater_b, dtype=float) >= 0.5
    _check_rows(a, b)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    observed = (a == b).mean(0)
    rate_a, rate_b = a.mean(0), b.mean(0)
    chance = rate_a * rate_b + (1 - rate_a) * (1 - rate_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(chance < 1.0, (observed - chance) / (1.0 - chance), np.nan)
