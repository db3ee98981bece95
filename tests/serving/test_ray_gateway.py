"""The gateway of ``serve.backend=ray`` with a fake handle (no cluster): it forwards the
request as it came, and maps what Ray raises (a dead replica, no replica, a full queue, no
answer) to the server's own error body instead of Ray's bare 500."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import tests.serving.ray_required  # noqa: F401  (first: fails without the .[ray] extra)
from ray.exceptions import ActorDiedError
from ray.serve.exceptions import BackPressureError, ReplicaUnavailableError
from starlette.requests import Request

from redheart_lit.serving import ServeSettings
from redheart_lit.serving.ray_gateway import Gateway
from redheart_lit.serving.ray_replica import ForwardedRequest, ForwardedResponse

pytestmark = pytest.mark.anyio
OK = ForwardedResponse(
    200, [(b"content-type", b"application/json"), (b"set-cookie", b"a=1"),
          (b"set-cookie", b"b=2")], b'{"ok": true}',
)  # fmt: skip


class FakeHandle:
    """``handle.forward.remote(request)``: records the request, then answers or raises."""

    def __init__(self, outcome: ForwardedResponse | Exception | None) -> None:
        self.outcome = outcome  # None: never answers
        self.seen: list[ForwardedRequest] = []
        self.cancelled = False
        self.forward = self

    def remote(self, request: ForwardedRequest) -> FakeHandle:
        self.seen.append(request)
        return self

    def cancel(self) -> None:
        self.cancelled = True

    def __await__(self) -> Any:
        return self._answer().__await__()

    async def _answer(self) -> ForwardedResponse:
        if self.outcome is None:
            await asyncio.sleep(3600)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


def request(body: bytes, path: str = "/v1/analyze", chunk: int = 10) -> Request:
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {
        "type": "http", "method": "POST", "scheme": "http", "path": path,
        "raw_path": path.encode(), "root_path": "", "query_string": b"q=1",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", b"Bearer t")],
        "client": ("127.0.0.1", 4321), "http_version": "1.1",
    }  # fmt: skip
    return Request(scope, receive)


async def answer(outcome: Any, body: bytes = b'{"text": "hi"}', **settings: Any) -> tuple:
    handle = FakeHandle(outcome)
    gateway = Gateway(handle, ServeSettings(**settings), grace_s=0.05)
    response = await gateway(request(body))
    return response, handle


def error_of(response: Any) -> tuple[int, str]:
    error = json.loads(response.body)["error"]
    assert error["message"], error
    return response.status_code, error["code"]


async def test_forwards_the_request_and_returns_the_answer_as_sent() -> None:
    response, handle = await answer(OK)
    (seen,) = handle.seen
    assert (seen.method, seen.path, seen.query_string) == ("POST", "/v1/analyze", b"q=1")
    assert (b"authorization", b"Bearer t") in seen.headers
    assert (seen.body, seen.client) == (b'{"text": "hi"}', ("127.0.0.1", 4321))
    assert response.status_code == 200
    assert response.body == b'{"ok": true}'
    assert response.raw_headers == OK.headers  # both cookies kept


async def test_a_long_body_is_cut_after_the_limit_for_the_app_to_refuse() -> None:
    _, handle = await answer(OK, body=b"x" * 500, max_body_bytes=64)
    assert 64 < len(handle.seen[0].body) <= 64 + 10  # read stopped at the first chunk past it


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (ActorDiedError(), 503, "replica_lost"),
        (ReplicaUnavailableError("replica-1"), 503, "replica_lost"),
        (BackPressureError(num_queued_requests=9, max_queued_requests=8), 503, "overloaded"),
        (RuntimeError("a bug"), 500, "internal_error"),
    ],
)
async def test_what_ray_raises_becomes_the_servers_error(
    raised: Exception, status: int, code: str
) -> None:
    response, _ = await answer(raised)
    assert error_of(response) == (status, code)
    assert response.headers["content-type"] == "application/json"


async def test_a_replica_that_never_answers_gets_504_and_the_call_is_cancelled() -> None:
    response, handle = await answer(None, request_timeout_s=0.05)
    assert error_of(response) == (504, "timeout")
    assert handle.cancelled
