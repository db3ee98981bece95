"""Result rounding: the vectorised path is exactly Python's round."""

from __future__ import annotations

import numpy as np

from redheart_lit.tasks.readout.rounding import DIGITS, rounded


def test_vectorised_rounding_is_exactly_round() -> None:
    import struct

    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2**32, 200_000, dtype=np.uint64).astype(np.uint32)
    everything = bits.view(np.float32)  # every exponent, NaN and inf included
    unit = rng.random(200_000).astype(np.float32)  # where probabilities live
    halves = ((np.arange(2000) + 0.5) / 10**DIGITS).astype(np.float32)  # near ties
    for values in (everything, unit, halves, unit.astype(np.float64), rng.random((7, 3))):
        got = np.asarray(rounded(values), dtype=np.float64).ravel()
        want = [round(float(v), DIGITS) for v in values.ravel()]
        # Bit for bit: -0.0 and NaN must match too.
        assert [struct.pack("<d", g) for g in got] == [struct.pack("<d", w) for w in want]
    assert rounded(np.ones((2, 2), dtype=np.float32)) == [[1.0, 1.0], [1.0, 1.0]]
