"""The HTTP routes: the analyze schema, every limit and its status, readiness and metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.serving.fakes import FakeConfig, FakeOrchestrator, text_of
from tests.serving.harness import BASE_URL, serving

from redheart_lit.serving import ServeSettings, create_app

pytestmark = pytest.mark.anyio


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


async def test_analyze_a_list_keeps_order_and_version() -> None:
    async with serving() as s:
        response = await s.client.post("/v1/analyze", json={"texts": ["one", "둘", "three"]})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "model_version"}
    assert body["model_version"] == "fake-0001"
    assert [text_of(r) for r in body["results"]] == ["one", "둘", "three"]
    assert set(body["results"][0]) >= {"analysis", "integrated", "model_version"}


async def test_analyze_one_text_returns_the_same_envelope() -> None:
    async with serving() as s:
        response = await s.client.post("/v1/analyze", json={"text": "hello"})
    assert response.status_code == 200
    assert [text_of(r) for r in response.json()["results"]] == ["hello"]


async def test_health_and_ready() -> None:
    async with serving() as s:
        assert (await s.client.get("/health")).json() == {"status": "ok"}
        ready = await s.client.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "model_version": "fake-0001"}


async def test_not_ready_before_start_up() -> None:
    app = create_app(FakeOrchestrator(), ServeSettings())
    # No lifespan: the batcher never started.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL
    ) as client:
        ready = await client.get("/ready")
        analyze = await client.post("/v1/analyze", json={"text": "hi"})
    assert ready.status_code == 503
    assert error_of(ready)["code"] == "not_ready"
    assert analyze.status_code == 503


@pytest.mark.parametrize(
    ("body", "status", "code", "index"),
    [
        ({"texts": ["x"] * 65}, 422, "invalid_request", None),
        ({"texts": ["fine", "ok", ""]}, 422, "invalid_text", 2),
        ({"texts": ["fine", " \n\t "]}, 422, "invalid_text", 1),
        ({"texts": ["fine", "x" * 101]}, 422, "invalid_text", 1),
        ({"text": "x" * 101}, 422, "invalid_text", None),
        ({"texts": ["fine", 3]}, 422, "invalid_request", 1),
        ({"texts": "not a list"}, 422, "invalid_request", None),
        ({"txt": "typo"}, 422, "invalid_request", None),
        (["a list"], 422, "invalid_request", None),
    ],
)
async def test_invalid_bodies(body: object, status: int, code: str, index: int | None) -> None:
    async with serving(FakeOrchestrator(FakeConfig(max_chars=100))) as s:
        response = await s.client.post("/v1/analyze", json=body)
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code
    assert error.get("index") == index
    if index is not None:
        assert f"texts[{index}]" in error["message"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"text": "\xff"}', "invalid_utf8"),
        (b'{"text": "a",', "invalid_json"),
        (b"", "invalid_json"),
    ],
)
async def test_undecodable_bodies_are_400(raw: bytes, code: str) -> None:
    async with serving() as s:
        response = await s.client.post("/v1/analyze", content=raw)
    assert response.status_code == 400
    assert error_of(response)["code"] == code


async def test_body_over_the_limit_by_content_length() -> None:
    async with serving(max_body_bytes=1000) as s:
        body = json.dumps({"text": "x" * 1000}).encode()
        response = await s.client.post("/v1/analyze", content=body)
        assert response.status_code == 413
        assert error_of(response)["code"] == "body_too_large"
        assert s.fake.batches == []


async def test_body_over_the_limit_when_streamed_without_content_length() -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"text": "'
        for _ in range(100):  # 100 x 1 KiB: 413 must come well before the end
            sent += 1
            yield b"x" * 1024
        yield b'"}'

    async with serving(max_body_bytes=4096) as s:
        response = await s.client.post("/v1/analyze", content=chunks())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_default_body_limit_is_one_mebibyte() -> None:
    async with serving() as s:
        big = json.dumps({"text": "x" * (1 << 20)}).encode()
        assert (await s.client.post("/v1/analyze", content=big)).status_code == 413


async def test_queue_full_is_503() -> None:
    async with serving(max_queue=2) as s:
        response = await s.client.post("/v1/analyze", json={"texts": ["a", "b", "c"]})
        assert response.status_code == 503
        assert error_of(response)["code"] == "overloaded"
        # Nothing was queued: the next request that fits is served.
        assert (await s.client.post("/v1/analyze", json={"texts": ["a", "b"]})).status_code == 200


async def test_past_the_deadline_is_504_and_the_server_goes_on() -> None:
    async with serving(FakeOrchestrator(delay_s=0.2), request_timeout_s=0.05) as s:
        response = await s.client.post("/v1/analyze", json={"text": "slow"})
        assert response.status_code == 504
        assert error_of(response)["code"] == "timeout"
        s.fake.delay_s = 0.0
        await asyncio.sleep(0.3)  # the abandoned batch finishes; its thread cannot be stopped
        assert (await s.client.post("/v1/analyze", json={"text": "fast"})).status_code == 200


async def test_a_trickled_body_counts_against_the_deadline() -> None:
    async def slowly() -> AsyncIterator[bytes]:
        yield b'{"text": '
        await asyncio.sleep(0.5)
        yield b'"late"}'

    async with serving(request_timeout_s=0.1) as s:
        response = await s.client.post("/v1/analyze", content=slowly())
        assert response.status_code == 504
        assert s.fake.batches == []


async def test_a_failing_text_is_500_and_its_batch_mates_are_served() -> None:
    async with serving(FakeOrchestrator(fail_on={"boom"}), max_wait_ms=200.0) as s:
        bad, good = await asyncio.gather(
            s.client.post("/v1/analyze", json={"texts": ["fine", "boom"]}),
            s.client.post("/v1/analyze", json={"text": "neighbour"}),
        )
    # One batch of all three failed; each text was then run alone.
    assert sorted(s.fake.batches[0]) == ["boom", "fine", "neighbour"]
    assert bad.status_code == 500
    error = error_of(bad)
    assert (error["code"], error["index"]) == ("inference_failed", 1)
    assert good.status_code == 200


async def test_unknown_route_uses_the_error_shape() -> None:
    async with serving() as s:
        response = await s.client.get("/nope")
        wrong_method = await s.client.get("/v1/analyze")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert wrong_method.status_code == 405


async def test_metrics_show_requests_batches_queue_and_cache_hits() -> None:
    async with serving() as s:
        for _ in range(3):
            assert (
                await s.client.post("/v1/analyze", json={"text": "same text"})
            ).status_code == 200
        await s.client.post("/v1/analyze", json={"text": ""})
        response = await s.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "redheart_cache_hits_total 2.0" in text
    assert "redheart_cache_misses_total 1.0" in text
    assert "redheart_cache_capacity 4096.0" in text
    assert 'redheart_http_requests_total{route="/v1/analyze",status="200"} 3.0' in text
    assert 'redheart_http_requests_total{route="/v1/analyze",status="422"} 1.0' in text
    assert "redheart_batch_size_count 3.0" in text
    assert "redheart_queue_depth 0.0" in text
    assert 'redheart_http_request_seconds_bucket{le="+Inf",route="/v1/analyze"} 4.0' in text


async def test_two_apps_have_separate_registries() -> None:
    async with serving() as first, serving() as second:
        await first.client.post("/v1/analyze", json={"text": "a"})
        second_metrics = (await second.client.get("/metrics")).text
    assert 'route="/v1/analyze"' not in second_metrics


async def test_docs_only_on_loopback() -> None:
    async with serving() as s:
        assert (await s.client.get("/openapi.json")).status_code == 200
        assert (await s.client.get("/docs")).status_code == 200
        schema = (await s.client.get("/openapi.json")).json()
    assert "requestBody" in schema["paths"]["/v1/analyze"]["post"]
    async with serving(token="t0k", host="0.0.0.0", headers={"Authorization": "Bearer t0k"}) as s:
        for path in ("/docs", "/openapi.json", "/redoc"):
            assert (await s.client.get(path)).status_code == 404
        assert (await s.client.post("/v1/analyze", json={"text": "a"})).status_code == 200
