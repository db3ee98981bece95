"""deploy/: the Grafana dashboard and the Prometheus config name only metrics /metrics has."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from tests.serving.harness import serving

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "redheart_serving.json"


def _exported_names(text: str) -> set[str]:
    """Sample names of the Prometheus text format (``name{labels} value``)."""
    return {
        line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and line[0] != "#"
    }


@pytest.mark.anyio
async def test_every_metric_in_the_grafana_dashboard_is_exported() -> None:
    async with serving() as served:
        await served.client.post("/v1/analyze", json={"texts": ["x", "y"]})
        await served.client.post("/v1/analyze", json={"text": ""})  # a 422 for the error panel
        exported = _exported_names((await served.client.get("/metrics")).text)
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for e in exprs for name in re.findall(r"\bredheart_[a-z_]+", e)}
    assert used, "no redheart metric in the dashboard"
    assert used <= exported, f"not exported by /metrics: {sorted(used - exported)}"
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_prometheus_scrapes_metrics_with_the_token() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    assert job["static_configs"][0]["targets"]
