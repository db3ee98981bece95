"""The live numbers behind ``GET /v1/stats`` and the ``/dashboard`` page.

Prometheus (``/metrics``) keeps counters and fixed-bucket histograms for a scraper to
aggregate; a person looking at one server wants the recent picture instead: exact latency
percentiles, the request rate and the predicted emotions over a sliding window, and what
the last requests were. :class:`ServeStats` keeps that, in memory, bounded:

* requests of the last ``window_s`` seconds (at most :data:`MAX_WINDOW_REQUESTS` kept);
* the Ekman group and confidence of the last ``window_results`` texts analysed;
* the last ``recent`` texts' summaries: length, script, a hash, and the text itself only
  when ``serve.dashboard_show_text=true`` (texts are personal data; hidden by default).

It listens to :class:`~redheart_lit.serving.metrics.ServeMetrics` (requests, batches,
results), so it sees exactly what ``/metrics`` counts.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.inference.reference import (
    PSI_ALERT,
    PSI_WARN,
    group_shares,
    psi,
    psi_level,
)
from redheart_lit.serving.batcher import BatchRecord
from redheart_lit.serving.metrics import BATCH_BUCKETS, Group, route_label

# Routes whose requests are analyses; the rate and latency panels read these.
ANALYSIS_ROUTES = ("/v1/analyze", "/mcp")
# The dashboard's own polling is not traffic: left out of the rate and latency.
DASHBOARD_ROUTES = ("/v1/stats", "/dashboard")
MAX_WINDOW_REQUESTS = 100_000
# Batch-size buckets: Prometheus' (redheart_batch_size), then everything larger.
_BUCKETS = (*BATCH_BUCKETS, float("inf"))


def _bucket_name(bound: float) -> str:
    """``"<=8"`` for a bucket's upper bound, ``">128"`` for the last."""
    return f">{BATCH_BUCKETS[-1]}" if bound == float("inf") else f"<={int(bound)}"


def script_of(text: str) -> str:
    """``ko`` when the text has Hangul, ``latin`` when it has Latin letters, else ``other``.

    A script, not a language detector: the model reads English and Korean, and the script
    tells which of the two a text can be without guessing (a French text is ``latin``).
    """
    if any("\uac00" <= c <= "\ud7a3" or "\u1100" <= c <= "\u11ff" or "\u3130" <= c <= "\u318f"
           for c in text):  # fmt: skip
        return "ko"
    if any(c.isascii() and c.isalpha() for c in text):
        return "latin"
    return "other"


@dataclass(frozen=True)
class _Request:
    at: float
    route: str
    status: int
    seconds: float


class ServeStats:
    """Args:
    queue_depth: reads the batcher's queue depth.
    cache_stats: reads the orchestrator's cache counters.
    reference: ``reference.json`` of the bundle (None: the bundle has none).
    reference_problem: why there is no reference, shown in its place.
    window_s: seconds of requests the rate and latency cover.
    window_results: texts the Ekman distribution and confidence cover.
    recent: how many request summaries to keep.
    show_text: include the texts themselves in the summaries.
    clock: seconds, monotonic (tests pass their own).
    """

    def __init__(
        self,
        queue_depth: Callable[[], int],
        cache_stats: Callable[[], Mapping[str, int]],
        *,
        reference: Mapping[str, Any] | None = None,
        reference_problem: str = "",
        window_s: float = 60.0,
        window_results: int = 500,
        recent: int = 20,
        show_text: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._queue_depth, self._cache_stats = queue_depth, cache_stats
        self.reference, self.reference_problem = reference, reference_problem
        self.window_s, self.show_text = window_s, show_text
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._requests: deque[_Request] = deque(maxlen=MAX_WINDOW_REQUESTS)
        self._totals: Counter[str] = Counter()
        self._errors_total: Counter[int] = Counter()
        self._batch_sizes: Counter[int] = Counter()
        self._modalities: Counter[str] = Counter()
        self._groups: deque[tuple[str, float]] = deque(maxlen=window_results)
        self._recent: deque[dict[str, Any]] = deque(maxlen=recent)

    # -- listeners (ServeMetrics calls these) -------------------------------------------
    def observe_request(self, path: str, status: int, seconds: float) -> None:
        route = route_label(path) if path not in DASHBOARD_ROUTES else path
        with self._lock:
            self._requests.append(_Request(self._clock(), route, status, seconds))
            self._totals[route] += 1
            if status >= 400:
                self._errors_total[status] += 1

    def observe_batch(self, record: BatchRecord) -> None:
        bucket = next(b for b in _BUCKETS if record.size <= b)
        with self._lock:
            self._batch_sizes[bucket] += 1

    def observe_groups(
        self, texts: Sequence[str], groups: Sequence[Group | None], modality: str = "text"
    ) -> None:
        """``groups``: each text's predicted Ekman group and score (None: no text analysis)."""
        now = time.time()
        with self._lock:
            self._modalities[modality] += len(texts)
            for text, predicted in zip(texts, groups, strict=True):
                if predicted is not None:
                    self._groups.append(predicted)
                self._recent.append({
                    "time": now,
                    "modality": modality,
                    "length": len(text),
                    "script": script_of(text),
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
                    "ekman": predicted[0] if predicted else None,
                    "confidence": round(predicted[1], 4) if predicted else None,
                    "text": text if self.show_text else None,
                })  # fmt: skip

    # -- the snapshot ------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything ``GET /v1/stats`` returns (documented in docs/serving.md)."""
        now = self._clock()
        with self._lock:
            while self._requests and self._requests[0].at < now - self.window_s:
                self._requests.popleft()
            window = list(self._requests)
            totals, errors_total = dict(self._totals), dict(self._errors_total)
            batch_sizes, modalities = dict(self._batch_sizes), dict(self._modalities)
            groups, recent = list(self._groups), list(self._recent)
        span = min(self.window_s, max(now - self._started, 1e-9))
        analyses = [r for r in window if r.route in ANALYSIS_ROUTES]
        latencies = np.array([r.seconds for r in analyses]) * 1000
        percentiles = (
            dict(zip(("p50", "p95", "p99"), np.percentile(latencies, [50, 95, 99]).round(3).tolist(), strict=True))
            if len(latencies) else dict.fromkeys(("p50", "p95", "p99"))
        )  # fmt: skip
        errors_window = Counter(str(r.status) for r in window if r.status >= 400)
        cache = dict(self._cache_stats())
        lookups = cache["hits"] + cache["misses"]
        shares, rows = group_shares(g for g, _ in groups)
        return {
            "uptime_s": round(now - self._started, 3),
            "window_s": self.window_s,
            "requests": {
                "total": totals.get("/v1/analyze", 0),
                "total_by_route": totals,
                "rate_per_s": round(len(analyses) / span, 4),
                "in_window": len(analyses),
            },
            "latency_ms": percentiles,
            "errors": {
                "window_by_status": dict(errors_window),
                "total_by_status": {str(k): v for k, v in errors_total.items()},
                "rate": round(sum(errors_window.values()) / max(len(window), 1), 4),
            },
            "queue_depth": self._queue_depth(),
            "batch_sizes": {_bucket_name(b): batch_sizes.get(b, 0) for b in _BUCKETS},
            "cache": cache | {"hit_rate": round(cache["hits"] / lookups, 4) if lookups else None},
            "modalities": modalities,
            "ekman": {
                "rows": rows,
                "shares": shares,
                "mean_confidence": round(float(np.mean([c for _, c in groups])), 4)
                if groups
                else None,
            },
            "drift": self._drift(shares, rows),
            "recent": list(reversed(recent)),
            "show_text": self.show_text,
        }

    def _drift(self, shares: dict[str, float], rows: int) -> dict[str, Any]:
        base = {"warn_at": PSI_WARN, "alert_at": PSI_ALERT, "groups": list(EKMAN_LABELS)}
        if self.reference is None:
            return base | {"psi": None, "level": None, "reason": self.reference_problem}
        reference = self.reference["ekman_shares"]
        if rows == 0:
            return base | {"psi": None, "level": None, "reference": reference,
                           "reason": "no text analysed yet"}  # fmt: skip
        value = psi(reference, shares)
        return base | {"psi": round(value, 4), "level": psi_level(value), "reference": reference,
                       "reference_rows": self.reference["rows"], "reason": ""}  # fmt: skip
