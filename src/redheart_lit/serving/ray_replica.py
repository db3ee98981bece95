"""A model replica of ``serve.backend=ray``: the usual app, called through a Ray handle.

Each replica loads the model and builds :func:`create_app`'s FastAPI app, the very app
uvicorn serves (routes, auth, error codes, ``/metrics``, MCP, the batcher), and runs its
lifespan for as long as the replica lives. Requests do not come to it over HTTP: the
gateway (``ray_gateway.py``) reads each one and calls :meth:`ModelReplica.forward` with
a :class:`ForwardedRequest` through a Ray Serve ``DeploymentHandle``, so that a replica
that dies mid-request is an exception the gateway can answer with a clear 503, where
Ray's HTTP proxy would answer a bare 500.

Calling the app is the ASGI protocol itself (a scope, ``receive`` and ``send``), about
thirty lines, written here rather than through ``httpx.ASGITransport`` because it hands
the app the request exactly as it came (raw path, raw headers, client address), where
httpx would rebuild it from a URL; the lifespan likewise follows the ASGI lifespan spec,
as uvicorn runs it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redheart_lit.serving.errors import NotReadyError, ServeError
from redheart_lit.serving.settings import ServeSettings

log = logging.getLogger(__name__)
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class ForwardedRequest:
    """One HTTP request as the gateway read it; its body is at most ``max_body_bytes + 1``."""

    method: str
    scheme: str
    path: str
    raw_path: bytes
    root_path: str
    query_string: bytes
    headers: Headers
    body: bytes
    client: tuple[str, int] | None
    http_version: str = "1.1"


@dataclass(frozen=True)
class ForwardedResponse:
    """The app's whole answer: status, headers (as sent), body."""

    status: int
    headers: Headers
    body: bytes


def error_response(error: ServeError) -> ForwardedResponse:
    """A ServeError in the body shape of every error of the server."""
    body = json.dumps(error.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return ForwardedResponse(error.status, headers, body)


async def call_app(app: Any, request: ForwardedRequest) -> ForwardedResponse:
    """Run one request through the ASGI ``app`` and collect its whole response."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": request.http_version,
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.raw_path,
        "root_path": request.root_path,
        "query_string": request.query_string,
        "headers": list(request.headers),
        "client": request.client,
        "server": None,
    }
    answered = asyncio.Event()
    body_sent = False
    start: dict[str, Any] | None = None
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        await answered.wait()  # as a server does: the client "leaves" once it is answered
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(scope, receive, send)
    except Exception as err:  # the app's own 500 (if it sent one) is answered below
        log.exception("the app raised on %s %s", request.method, request.path)
        if start is None or not answered.is_set():
            return error_response(
                ServeError(f"the replica failed on this request: {type(err).__name__}: {err}")
            )
    finally:
        answered.set()
    if start is None:
        return error_response(ServeError("the app sent no response"))
    return ForwardedResponse(int(start["status"]), list(start.get("headers", [])), b"".join(chunks))


class Lifespan:
    """The app's ASGI lifespan (startup, then shutdown on :meth:`stop`) in one task."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._startup: asyncio.Future[None] | None = None
        self._shutdown: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._startup, self._shutdown = loop.create_future(), loop.create_future()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self._task = loop.create_task(self._app(scope, self._events.get, self._send))
        await self._events.put({"type": "lifespan.startup"})
        await self._wait(self._startup, "startup")

    async def stop(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._events.put({"type": "lifespan.shutdown"})
        assert self._shutdown is not None
        await self._wait(self._shutdown, "shutdown")
        await self._task

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        step = self._startup if kind.startswith("lifespan.startup") else self._shutdown
        assert step is not None
        if kind.endswith(".failed"):
            step.set_exception(RuntimeError(f"the app's lifespan failed: {message}"))
        else:
            step.set_result(None)

    async def _wait(self, step: asyncio.Future[None], name: str) -> None:
        assert self._task is not None
        await asyncio.wait({step, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not step.done():  # the lifespan task ended without answering
            self._task.result()  # raises the app's exception, if it raised
            raise RuntimeError(f"the app's lifespan ended before its {name} completed")
        step.result()


class ModelReplica:
    """A Ray Serve deployment class: the model and its app, one per replica process.

    ``async __init__`` (Ray Serve awaits it) loads the model, builds the app and runs its
    startup; Serve calls ``__del__`` on shutdown, which runs the app's shutdown (the
    batcher drains). ``check_health`` makes Serve restart a replica whose batch loop died.
    """

    async def __init__(
        self,
        model_dir: Path,
        settings: ServeSettings,
        token: str | None,
        modality: dict[str, Any],
    ) -> None:
        from redheart_lit.serving.batcher import MicroBatcher
        from redheart_lit.serving.main import build_app, load_orchestrator, set_threads
        from redheart_lit.serving.ray_batcher import ServeBatchBatcher

        batchers = {"micro": MicroBatcher, "serve_batch": ServeBatchBatcher}
        set_threads(settings.threads)
        orchestrator = load_orchestrator(model_dir, settings, modality)
        # The same app as uvicorn serves (token, drift reference), so no feature is lost.
        app = build_app(
            orchestrator, settings, token, model_dir,
            batcher_class=batchers[settings.ray_batching],
        )  # fmt: skip

        @app.middleware("http")
        async def name_replica(request: Any, call_next: Any) -> Any:
            # Which replica answered (its process id): for operators and the tests.
            response = await call_next(request)
            response.headers["x-redheart-replica"] = str(os.getpid())
            return response

        self._app = app
        self._lifespan = Lifespan(app)
        await self._lifespan.start()

    async def forward(self, request: ForwardedRequest) -> ForwardedResponse:
        """The app's answer to one request the gateway forwarded."""
        return await call_app(self._app, request)

    def check_health(self) -> None:
        if not self._app.state.service.ready:
            raise NotReadyError("the replica's service is not ready (its batch loop died?)")

    async def __del__(self) -> None:
        await self._lifespan.stop()
