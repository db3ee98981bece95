"""benchmarks/common.py: the percentile, the machine description and the two RSS readings."""

from __future__ import annotations

import numpy as np
import pytest
from common import machine, peak_rss_mib, percentile, rss_mib


def test_percentile_interpolates_between_ranks_by_hand() -> None:
    # Sorted: 1, 2, 3, 4. p50: rank 1.5, halfway between 2 and 3. p95: rank 2.85, 3 + 0.85.
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 95) == 7.0


def test_percentile_is_numpys_default() -> None:
    values = [0.013, 0.002, 0.5, 0.021, 0.0071, 0.3, 0.04]
    for q in (5, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_refuses_no_values_and_q_out_of_range() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        percentile([1.0], 101)


def test_machine_names_what_the_figures_were_measured_on() -> None:
    info = machine()
    assert set(info) == {
        "cpu", "cores", "torch", "torch_threads", "python", "platform", "gpu", "commit",
    }  # fmt: skip
    assert info["cpu"]
    assert info["cores"] >= 1
    assert info["torch_threads"] >= 1
    assert info["gpu"] is None or isinstance(info["gpu"], str)


def test_rss_now_is_positive_and_never_above_the_peak() -> None:
    now, peak = rss_mib(), peak_rss_mib()
    assert now > 0
    assert peak >= now
    block = bytearray(64 * 2**20)  # touched, so resident: the peak holds it afterwards
    block[::4096] = b"\x01" * len(block[::4096])
    assert peak_rss_mib() >= rss_mib() >= now + 32
    del block
