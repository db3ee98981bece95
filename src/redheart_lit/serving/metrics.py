"""Prometheus metrics of one server, in a registry of its own.

Each app gets its own ``CollectorRegistry`` (never the process-global one) so that tests,
or one process serving two models, can build several apps without "duplicated
timeseries" errors. The cache counters are read from the orchestrator at scrape time,
so they can never drift from what the cache itself counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redheart_lit.inference.reference import predicted_group
from redheart_lit.serving.batcher import BatchRecord

# Paths that get their own label value; anything else is "other", so that scanners
# probing random URLs cannot blow up the number of time series.
ROUTES = (
    "/v1/analyze",
    "/health",
    "/ready",
    "/metrics",
    "/mcp",
    "/docs",
    "/openapi.json",
    "/redoc",
    "/v1/stats",
    "/dashboard",
)
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
# A result's highest-scoring Ekman group and its score (``predicted_group``).
Group = tuple[str, float]


def route_label(path: str) -> str:
    """The ``route`` label of a request path."""
    if path in ROUTES:
        return path
    if path.startswith("/mcp/"):
        return "/mcp"
    return "other"


class _CacheCollector(Collector):
    """Exports the orchestrator's ``cache_stats()`` on every scrape."""

    def __init__(self, cache_stats: Callable[[], dict[str, int]]) -> None:
        self._cache_stats = cache_stats

    def collect(self) -> Iterator[Metric]:
        stats = self._cache_stats()
        yield CounterMetricFamily("redheart_cache_hits", "Result-cache hits.", value=stats["hits"])
        yield CounterMetricFamily(
            "redheart_cache_misses", "Result-cache misses.", value=stats["misses"]
        )
        yield GaugeMetricFamily(
            "redheart_cache_size", "Entries in the result cache.", value=stats["size"]
        )
        yield GaugeMetricFamily(
            "redheart_cache_capacity", "Capacity of the result cache.", value=stats["capacity"]
        )


class Listener(Protocol):
    """Something that sees every request, batch and result the metrics see (``ServeStats``);
    of a result it gets the Ekman group (None: no text analysis), not the result."""

    def observe_request(self, path: str, status: int, seconds: float) -> None: ...
    def observe_batch(self, record: BatchRecord) -> None: ...
    def observe_groups(
        self, texts: Sequence[str], groups: Sequence[Group | None], modality: str = "text"
    ) -> None: ...


class ServeMetrics:
    """Request, latency, batch, queue and cache metrics of one app."""

    def __init__(self, cache_stats: Callable[[], dict[str, int]]) -> None:
        self.listeners: list[Listener] = []
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "redheart_http_requests", "HTTP requests by route and status.", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "redheart_http_request_seconds", "HTTP request latency by route.", ["route"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.batch_size = Histogram(
            "redheart_batch_size", "Texts per model call.", buckets=BATCH_BUCKETS,
            registry=self.registry,
        )  # fmt: skip
        self.batch_seconds = Histogram(
            "redheart_batch_seconds", "Seconds per model call.", buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )  # fmt: skip
        self.batch_failures = Counter(
            "redheart_batch_failures", "Model calls that raised.", registry=self.registry
        )
        self.queue_depth = Gauge(
            "redheart_queue_depth", "Texts waiting for a batch.", registry=self.registry
        )
        self.predicted_ekman = Counter(
            "redheart_predicted_ekman", "Texts by their highest-scoring Ekman group.", ["group"],
            registry=self.registry,
        )  # fmt: skip
        self.registry.register(_CacheCollector(cache_stats))

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        route = route_label(path)
        self.requests.labels(route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)
        for listener in self.listeners:
            listener.observe_request(path, status, seconds)

    def observe_batch(self, record: BatchRecord) -> None:
        self.batch_size.observe(record.size)
        self.batch_seconds.observe(record.seconds)
        if not record.ok:
            self.batch_failures.inc()
        for listener in self.listeners:
            listener.observe_batch(record)

    def observe_results(
        self, texts: Sequence[str], results: Sequence[Mapping[str, Any]], modality: str = "text"
    ) -> None:
        """The results of one analysis request (both HTTP and MCP go through the service).

        Each result's Ekman group is read here, once, and handed to the listeners."""
        groups = [predicted_group(result) for result in results]
        for predicted in groups:
            if predicted is not None:
                self.predicted_ekman.labels(group=predicted[0]).inc()
        for listener in self.listeners:
            listener.observe_groups(texts, groups, modality)

    def track_queue_depth(self, depth: Callable[[], int]) -> None:
        """Read the queue depth at scrape time."""
        self.queue_depth.set_function(lambda: float(depth()))

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request by route and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: ServeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        start = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe_request(scope["path"], status, time.perf_counter() - start)
