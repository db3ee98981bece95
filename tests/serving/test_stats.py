"""ServeStats: windows, percentiles, drift and the hidden texts, with a clock of our own."""

from __future__ import annotations

import math

import pytest
from tests.serving.fakes import fake_result

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.inference.reference import (
    PSI_ALERT,
    PSI_WARN,
    predicted_group,
    psi,
    psi_level,
)
from redheart_lit.serving.batcher import BatchRecord
from redheart_lit.serving.stats import ServeStats, script_of

CACHE = {"hits": 3, "misses": 1, "size": 1, "capacity": 10}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _stats(clock: Clock, **kwargs) -> ServeStats:
    return ServeStats(lambda: 7, lambda: CACHE, clock=clock, window_s=10, **kwargs)


def test_rate_latency_and_errors_over_the_window() -> None:
    clock = Clock()
    stats = _stats(clock)
    clock.now += 10  # 10 s of uptime: the rate divides by the full window
    for ms in range(1, 101):  # latencies 1..100 ms
        stats.observe_request("/v1/analyze", 200, ms / 1000)
    stats.observe_request("/v1/analyze", 422, 0.001)
    stats.observe_request("/v1/stats", 200, 0.5)  # the dashboard's polls are not traffic
    snap = stats.snapshot()
    assert snap["requests"]["total"] == 101
    assert snap["requests"]["rate_per_s"] == pytest.approx(10.1)
    assert snap["latency_ms"]["p50"] == pytest.approx(50.0, abs=0.6)
    assert snap["latency_ms"]["p99"] == pytest.approx(99.0, abs=0.6)
    assert snap["errors"]["window_by_status"] == {"422": 1}
    assert snap["queue_depth"] == 7
    assert snap["cache"]["hit_rate"] == 0.75
    clock.now += 11  # everything left the window; totals stay
    snap = stats.snapshot()
    assert snap["requests"]["in_window"] == 0
    assert snap["latency_ms"]["p50"] is None
    assert snap["requests"]["total"] == 101
    assert snap["errors"]["total_by_status"] == {"422": 1}


def test_batch_histogram_uses_the_prometheus_buckets() -> None:
    stats = _stats(Clock())
    for size in (1, 3, 3, 200):
        stats.observe_batch(BatchRecord(size=size, seconds=0.01, ok=True))
    sizes = stats.snapshot()["batch_sizes"]
    assert sizes["<=1"] == 1
    assert sizes["<=4"] == 2
    assert sizes[">128"] == 1
    assert sum(sizes.values()) == 4


def test_recent_requests_hide_texts_unless_asked() -> None:
    texts = ["I am so happy today", "오늘 정말 행복해요"]
    groups = [predicted_group(fake_result(t, "v")) for t in texts]
    hidden = _stats(Clock())
    hidden.observe_groups(texts, groups)
    recent = hidden.snapshot()["recent"]
    assert [r["text"] for r in recent] == [None, None]
    assert [r["script"] for r in reversed(recent)] == ["latin", "ko"]
    assert recent[0]["length"] == len(texts[1])
    assert all(len(r["sha256"]) == 12 for r in recent)
    shown = _stats(Clock(), show_text=True)
    shown.observe_groups(texts, groups)
    assert [r["text"] for r in shown.snapshot()["recent"]] == texts[::-1]
    assert shown.snapshot()["modalities"] == {"text": 2}


def test_drift_against_the_reference() -> None:
    uniform = dict.fromkeys(EKMAN_LABELS, 1 / 7)
    stats = _stats(Clock(), reference={"ekman_shares": uniform, "rows": 70})
    assert stats.snapshot()["drift"]["psi"] is None  # no text yet
    # fake_result scores every group alike: the first group (anger) wins every text.
    texts = [f"text {i}" for i in range(5)]
    stats.observe_groups(texts, [predicted_group(fake_result(t, "v")) for t in texts])
    drift = stats.snapshot()["drift"]
    live = {g: 1.0 if g == "anger" else 0.0 for g in EKMAN_LABELS}
    assert drift["psi"] == pytest.approx(psi(uniform, live), abs=1e-4)
    assert drift["level"] == "alert"
    assert stats.snapshot()["ekman"]["shares"]["anger"] == 1.0
    missing = _stats(Clock(), reference_problem="no reference.json")
    assert missing.snapshot()["drift"]["reason"] == "no reference.json"


def test_psi_by_hand_and_its_levels() -> None:
    a = dict.fromkeys(EKMAN_LABELS, 1 / 7)
    b = {g: (2 / 7 if i == 0 else (1 / 7 if i < 6 else 0.0)) for i, g in enumerate(EKMAN_LABELS)}
    expected = (2 / 7 - 1 / 7) * math.log(2) + (1e-4 - 1 / 7) * math.log(1e-4 / (1 / 7))
    assert psi(a, b) == pytest.approx(expected)
    assert psi(a, a) == 0.0
    assert (psi_level(0.0), psi_level(PSI_WARN), psi_level(PSI_ALERT + 1e-9)) == (
        "ok",
        "warn",
        "alert",
    )


@pytest.mark.parametrize(("text", "script"), [("hello", "latin"), ("안녕", "ko"), ("123 ?!", "other"),
                                               ("ok 좋아", "ko")])  # fmt: skip
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script
