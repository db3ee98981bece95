"""GET /dashboard and GET /v1/stats in process: auth, content, what the stats count."""

from __future__ import annotations

import pytest
from tests.serving.harness import serving

from redheart_lit.serving.dashboard import dashboard_html

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_the_page_is_self_contained() -> None:
    page = dashboard_html()
    # Nothing is loaded from elsewhere: no src/href to another origin, no CDN.
    for needle in ("http://", "https://", "<script src", "<link ", "@import"):
        assert needle not in page, needle
    assert len(page) < 20_000  # "small"


@pytest.mark.anyio
async def test_stats_and_page_need_the_token() -> None:
    async with serving(token=TOKEN) as served:
        assert (await served.client.get("/v1/stats")).status_code == 401
        assert (await served.client.get("/dashboard")).status_code == 401
        assert (await served.client.get("/dashboard?token=wrong")).status_code == 401
        assert (await served.client.get(f"/v1/stats?token={TOKEN}")).status_code == 401
        page = await served.client.get("/dashboard", headers=AUTH)
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        # A browser signs in instead (a cookie; tests/serving/test_dashboard_auth.py).


@pytest.mark.anyio
async def test_stats_count_what_was_served() -> None:
    async with serving(token=TOKEN, headers=AUTH, cache_size=16) as served:
        for _ in range(3):
            response = await served.client.post("/v1/analyze", json={"texts": ["a", "bb", "a"]})
            assert response.status_code == 200
        assert (await served.client.post("/v1/analyze", json={"text": ""})).status_code == 422
        stats = (await served.client.get("/v1/stats")).json()
    assert stats["requests"]["total"] == 4
    assert stats["errors"]["total_by_status"] == {"422": 1}
    assert stats["modalities"] == {"text": 9}
    assert stats["ekman"]["rows"] == 9
    assert sum(stats["batch_sizes"].values()) >= 1
    assert stats["cache"]["hit_rate"] is not None
    assert stats["drift"]["psi"] is None
    assert "reference.json" in stats["drift"]["reason"]
    assert [r["text"] for r in stats["recent"]] == [None] * 9
    assert stats["latency_ms"]["p50"] > 0


@pytest.mark.anyio
async def test_metrics_count_predicted_ekman_groups() -> None:
    async with serving() as served:
        await served.client.post("/v1/analyze", json={"texts": ["x", "y"]})
        text = (await served.client.get("/metrics")).text
    assert 'redheart_predicted_ekman_total{group="anger"} 2.0' in text
