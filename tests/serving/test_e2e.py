"""Train -> export -> serve, for real: ``python serve.py`` on the tiny bundle, over HTTP and MCP stdio.

The other serving tests use a fake model; these start the real entry point in a
subprocess (its own process group, killed whole at the end) on ``tiny_bundle``
(tests/conftest.py: the tiny model trained on the sample data and exported).
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from redheart_lit.evaluation.korean import COMPOSITE_NAMES
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS, SURD_SHARES

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "serve.py"
ENGLISH = "I lied to my friend and I regret it."
KOREAN = "오늘 시험에 합격해서 정말 기뻐요"
# Loading torch and the model; generous because the test machine is shared.
START_TIMEOUT_S = 60.0

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDHEART_API_TOKEN"}
    return {**env, "PYTHONUNBUFFERED": "1"}


def _read_port_line(proc: subprocess.Popen[str], timeout_s: float) -> dict[str, Any]:
    """The ``{"listening": ...}`` line, read in a thread so that a hung server cannot hang us."""
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    try:
        line = lines.get(timeout=timeout_s)
    except queue.Empty:
        pytest.fail(f"no port line within {timeout_s} s")
    assert line, f"the server exited ({proc.poll()}) before printing its port"
    return json.loads(line)


def _gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def server(tiny_bundle: Path, tmp_path: Path) -> Iterator[str]:
    """``python serve.py ckpt=<tiny_bundle> serve.port=0``; yields its URL, kills its group."""
    log = (tmp_path / "stderr.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(SERVE), f"ckpt={tiny_bundle}", "serve.port=0",
         f"hydra.run.dir={tmp_path}/run"],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=tmp_path, env=_env(),
        start_new_session=True,  # its own process group: os.killpg reaches every child
    )  # fmt: skip
    try:
        announced = _read_port_line(proc, START_TIMEOUT_S)
        assert announced["listening"] == f"http://127.0.0.1:{announced['port']}"
        yield announced["listening"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
    assert _gone(proc.pid), "the server's process group outlived os.killpg"


def _wait_ready(client: httpx.Client, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.get("/ready").status_code == 200:
            return
        time.sleep(0.1)
    pytest.fail(f"/ready did not answer 200 within {timeout_s} s")


def _check_result(result: dict[str, Any], version: str) -> None:
    """The schema of docs/inference.md ("The result") and the ranges of every number."""
    assert result["model_version"] == version
    analysis, integrated = result["analysis"], result["integrated"]
    emotion = analysis["emotion"]
    assert list(emotion["probabilities"]) == list(EMOTION_LABELS)
    assert len(emotion["probabilities"]) == 28
    assert all(0.0 <= p <= 1.0 for p in emotion["probabilities"].values())
    assert set(emotion["labels"]) <= set(EMOTION_LABELS)
    assert list(emotion["korean"]) == list(COMPOSITE_NAMES)
    assert all(0.0 <= v <= 1.0 for v in emotion["korean"].values())
    bentham = analysis["bentham"]
    assert list(bentham["factors"]) == list(BENTHAM_FACTORS)
    assert 0.0 <= bentham["acceptability"] <= 1.0
    assert 0.0 <= analysis["regret"]["probability"] <= 1.0
    surd = analysis["surd"]
    assert list(surd) == list(SURD_SHARES)
    assert all(0.0 <= s <= 1.0 for s in surd.values())
    assert math.fsum(surd.values()) == pytest.approx(1.0, abs=1e-5)  # rounded to 6 digits
    assert analysis["encoders"] == {
        "names": ["own"],
        "agreement": 1.0,
        "fusion_weights": None,
        "unk_rate": [0.0],
    }
    assert -1.0 <= integrated["overall_sentiment"] <= 1.0
    for key in ("ethical_score", "regret_potential", "causal_clarity", "confidence"):
        assert 0.0 <= integrated[key] <= 1.0, key
    assert integrated["ethical_score"] == bentham["acceptability"]
    assert integrated["regret_potential"] == analysis["regret"]["probability"]


def _metric(text: str, line_start: str) -> float:
    match = re.search(rf"^{re.escape(line_start)} (\S+)$", text, re.MULTILINE)
    assert match, f"{line_start} not in /metrics"
    return float(match.group(1))


def test_serve_the_exported_bundle_over_http(server: str, tiny_bundle: Path) -> None:
    version = json.loads((tiny_bundle / "config.json").read_text())["version"]
    with httpx.Client(base_url=server, timeout=30) as client:
        _wait_ready(client, START_TIMEOUT_S)
        assert client.get("/ready").json() == {"status": "ready", "model_version": version}

        both = client.post("/v1/analyze", json={"texts": [ENGLISH, KOREAN]})
        assert both.status_code == 200, both.text
        body = both.json()
        assert body["model_version"] == version
        assert len(body["results"]) == 2
        for result in body["results"]:
            _check_result(result, version)

        # The single-text form, then the same text again: the second is a cache hit and
        # answers exactly what the model computed for it inside the batch above.
        one = client.post("/v1/analyze", json={"text": KOREAN})
        assert one.status_code == 200, one.text
        assert one.json() == {"results": [body["results"][1]], "model_version": version}
        refused = client.post("/v1/analyze", json={"texts": [ENGLISH, "   "]})
        assert refused.status_code == 422
        assert refused.json()["error"]["index"] == 1

        metrics = client.get("/metrics").text
    analyze = 'redheart_http_requests_total{route="/v1/analyze",status="200"}'
    assert _metric(metrics, analyze) == 2
    assert _metric(metrics, 'redheart_http_requests_total{route="/v1/analyze",status="422"}') == 1
    assert _metric(metrics, "redheart_cache_hits_total") >= 1
    assert _metric(metrics, "redheart_cache_misses_total") >= 2
    assert _metric(metrics, "redheart_batch_size_count") >= 1


@pytest.mark.anyio
async def test_mcp_over_stdio_with_the_sdk_client(tiny_bundle: Path, tmp_path: Path) -> None:
    version = json.loads((tiny_bundle / "config.json").read_text())["version"]
    params = StdioServerParameters(
        command=sys.executable,
        args=[str(SERVE), f"ckpt={tiny_bundle}", "serve.transport=stdio",
              f"hydra.run.dir={tmp_path}/run"],
        env={"PYTHONUNBUFFERED": "1"}, cwd=tmp_path,
    )  # fmt: skip
    async with Client(params, read_timeout_seconds=START_TIMEOUT_S) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert tools == {"analyze_text", "analyze_texts", "analyze_items"}
        result = await client.call_tool("analyze_texts", {"texts": [ENGLISH, KOREAN]})
        assert not result.is_error, result.content
        body = result.structured_content
        assert body is not None
        assert body["model_version"] == version
        assert len(body["results"]) == 2
        for item in body["results"]:
            _check_result(item, version)
        refused = await client.call_tool("analyze_text", {"text": ""})
        assert refused.is_error
