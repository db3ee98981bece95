"""ServeMetrics: route labels stay bounded; batch records and cache stats are exported."""

from __future__ import annotations

from redheart_lit.serving.batcher import BatchRecord
from redheart_lit.serving.metrics import ServeMetrics, route_label


def test_route_label_is_bounded() -> None:
    assert route_label("/v1/analyze") == "/v1/analyze"
    assert route_label("/mcp/") == "/mcp"
    assert route_label("/wp-admin/login.php") == "other"


def test_render_reads_cache_stats_at_scrape_time() -> None:
    stats = {"hits": 0, "misses": 0, "size": 0, "capacity": 8}
    metrics = ServeMetrics(lambda: stats)
    metrics.observe_batch(BatchRecord(size=5, seconds=0.01, ok=False))
    metrics.track_queue_depth(lambda: 7)
    stats.update(hits=3, misses=2, size=2)
    text = metrics.render().decode()
    assert "redheart_cache_hits_total 3.0" in text
    assert "redheart_cache_misses_total 2.0" in text
    assert "redheart_cache_size 2.0" in text
    assert "redheart_batch_failures_total 1.0" in text
    assert 'redheart_batch_size_bucket{le="8.0"} 1.0' in text
    assert "redheart_queue_depth 7.0" in text
