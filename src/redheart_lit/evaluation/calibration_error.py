"""Expected calibration error (ECE) over binary label decisions.

Every (row, label) pair is one binary decision with a probability ``p`` of "present".
The probabilities are put in ``n_bins`` equal-width bins over [0, 1] (bin ``b`` holds
``b/n <= p < (b+1)/n``; ``p = 1`` goes to the last bin) and

    ECE = sum over non-empty bins of (rows in bin / all rows) * |mean(y) - mean(p)|

where ``y`` is 1 when the label is present. This is the reliability-diagram form for
probabilities of the positive class (as torchmetrics' binary calibration error), which
is what temperature calibration fits: a well-calibrated 0.3 is right 30% of the time.
0 is perfect; the worst possible value is 1.
"""

from __future__ import annotations

import numpy as np

DEFAULT_BINS = 15


def expected_calibration_error(
    probabilities: np.ndarray, targets: np.ndarray, n_bins: int = DEFAULT_BINS
) -> float:
    """ECE of ``probabilities`` against 0/1 ``targets`` of the same shape (any rank)."""
    p = np.asarray(probabilities, dtype=float).ravel()
    y = (np.asarray(targets) >= 0.5).astype(float).ravel()
    if p.shape != y.shape:
        raise ValueError(f"shapes differ: {np.shape(probabilities)} and {np.shape(targets)}")
    if len(p) == 0:
        raise ValueError("no rows: ECE needs at least one labelled decision")
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    gap = np.abs(
        np.bincount(bins, weights=y, minlength=n_bins)
        - np.bincount(bins, weights=p, minlength=n_bins)
    )
    # |sum(y) - sum(p)| / N per bin equals (count / N) * |mean(y) - mean(p)|.
    return float(gap[count > 0].sum() / len(p))
