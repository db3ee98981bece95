"""Rounding of result values: what every task's part of an inference result is made of."""

from __future__ import annotations

from typing import Any

import numpy as np

# Digits kept in results: enough for any decision, short enough for a readable response.
DIGITS = 6


def rounded(values: np.ndarray) -> list[Any]:
    """``values`` as nested lists of Python floats, each exactly ``round(float(v), DIGITS)``.

    Vectorised when every value is a float32 value (all model outputs are): such a value
    times 10**6 is exact in float64 (a 24-bit mantissa times 15625 * 2**6 fits in 53
    bits), so ``np.rint`` rounds the exact decimal half to even, as ``round`` does, and the
    division by 10**6 is correctly rounded, as ``round``'s decimal-to-float step is. Any
    other value (a float64 sum of them, say) is rounded one by one. Done value by value,
    building the results took an eighth of a 32-text call of the tiny model
    (docs/benchmarks.md, "Serving").
    """
    # Quiet: a float64 past float32's range (over) takes the slow path; NaN stays NaN.
    with np.errstate(over="ignore", invalid="ignore"):
        as_float32 = values.astype(np.float32)
        if values.dtype == np.float32 or np.array_equal(as_float32, values, equal_nan=True):
            scale = 10.0**DIGITS
            return (np.rint(as_float32.astype(np.float64) * scale) / scale).tolist()
    return np.vectorize(_round_one, otypes=[object])(values).tolist()


def _round_one(value: float) -> float:
    return round(float(value), DIGITS)
