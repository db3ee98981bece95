"""The model replica's side of ``serve.backend=ray``, without Ray: the usual app run through
``call_app`` (one forwarded request) under ``Lifespan`` answers what uvicorn's would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from tests.serving.fakes import FakeOrchestrator, text_of

from redheart_lit.serving import ServeSettings, create_app
from redheart_lit.serving.ray_replica import ForwardedRequest, Lifespan, call_app

pytestmark = pytest.mark.anyio


def forwarded(
    method: str,
    path: str,
    body: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    length: int | None = None,
) -> ForwardedRequest:
    declared = str(len(body) if length is None else length).encode()
    base = [(b"host", b"127.0.0.1:8000"), (b"content-length", declared)]
    return ForwardedRequest(
        method=method, scheme="http", path=path, raw_path=path.encode(), root_path="",
        query_string=b"", headers=base + (headers or []), body=body, client=("127.0.0.1", 5),
    )  # fmt: skip


@asynccontextmanager
async def running(**settings: Any) -> AsyncIterator[FastAPI]:
    token = settings.pop("token", None)
    app = create_app(FakeOrchestrator(), ServeSettings(**settings), token=token)
    lifespan = Lifespan(app)
    await lifespan.start()
    try:
        yield app
    finally:
        await lifespan.stop()


def error_code(body: bytes) -> str:
    error = json.loads(body)["error"]
    assert error["message"]
    return error["code"]


async def test_a_forwarded_request_gets_the_apps_answer() -> None:
    async with running() as app:
        answer = await call_app(app, forwarded("POST", "/v1/analyze", b'{"texts": ["a", "b"]}'))
        ready = await call_app(app, forwarded("GET", "/ready"))
    assert answer.status == 200
    assert [text_of(r) for r in json.loads(answer.body)["results"]] == ["a", "b"]
    assert (b"content-type", b"application/json") in answer.headers
    assert ready.status == 200


async def test_errors_come_from_the_app_in_its_body_shape() -> None:
    async with running(max_body_bytes=64, token="s3cret") as app:
        auth = [(b"authorization", b"Bearer s3cret")]
        empty = await call_app(app, forwarded("POST", "/v1/analyze", b'{"text": " "}', auth))
        # The gateway cuts a long body after max_body_bytes + 1; the header still says more.
        cut = forwarded("POST", "/v1/analyze", b"x" * 65, auth, length=9999)
        too_long = await call_app(app, cut)
        no_token = await call_app(app, forwarded("POST", "/v1/analyze", b"x" * 65))
    assert (empty.status, error_code(empty.body)) == (422, "invalid_text")
    assert (too_long.status, error_code(too_long.body)) == (413, "body_too_large")
    # The token is checked before the body, as under uvicorn.
    assert (no_token.status, error_code(no_token.body)) == (401, "unauthorized")
    assert (b"www-authenticate", b'Bearer realm="redheart"') in no_token.headers


async def test_lifespan_stop_drains_and_the_service_stops() -> None:
    async with running() as app:
        assert app.state.service.ready
    assert not app.state.service.ready
    # A request after shutdown is refused in the usual way, not hung.
    answer = await call_app(app, forwarded("POST", "/v1/analyze", b'{"text": "late"}'))
    assert (answer.status, error_code(answer.body)) == (503, "not_ready")


async def test_an_app_that_raises_gets_the_standard_500_body() -> None:
    async def broken(scope: dict, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    answer = await call_app(broken, forwarded("GET", "/health"))
    assert (answer.status, error_code(answer.body)) == (500, "internal_error")
    assert "RuntimeError: boom" in json.loads(answer.body)["error"]["message"]


async def test_a_failing_startup_is_raised() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "lifespan.startup"
        await send({"type": "lifespan.startup.failed", "message": "no model"})

    with pytest.raises(RuntimeError, match="no model"):
        await Lifespan(app).start()
