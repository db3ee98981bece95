"""The ingress of ``serve.backend=ray``: forwards each HTTP request to a model replica.

Ray's HTTP proxy hands every request to this deployment (one replica, no model, no CPU
reserved, like Ray's own proxy). It reads the request and calls the model deployment
through a ``DeploymentHandle`` (Ray Serve's documented way for one deployment to call
another), which spreads the calls over the replicas. The replica runs the usual app
(``ray_replica.py``), so routes, auth and error codes are decided there, once.

Why a gateway at all: when a replica process dies with requests on it, Ray's proxy
answers them with a bare 500. Here the handle raises instead, and the gateway answers
with the server's own error body:

| what happened | status | code |
|---|---|---|
| the replica died, or Ray lost it, before answering | 503 | ``replica_lost`` |
| the deployment has no replica to take it (starting, redeploying) | 503 | ``not_ready`` |
| Ray's queue for the deployment is full | 503 | ``overloaded`` |
| no answer by ``request_timeout_s`` + 5 s (a wedged replica) | 504 | ``timeout`` |

The body is read here, up to ``max_body_bytes + 1`` bytes and within
``request_timeout_s``; a longer body is forwarded cut at that length and the replica's
app answers 413 (after its token check, as with uvicorn), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from redheart_lit.serving.errors import (
    DeadlineExceededError,
    NotReadyError,
    OverloadedError,
    ReplicaLostError,
    ServeError,
)
from redheart_lit.serving.ray_replica import ForwardedRequest, ForwardedResponse, error_response
from redheart_lit.serving.settings import ServeSettings

log = logging.getLogger(__name__)
# On top of request_timeout_s, the replica's own deadline: its 504 should come first.
GRACE_S = 5.0


async def read_request(request: Request, max_body_bytes: int) -> ForwardedRequest:
    """The request as the replica's app will see it, its body cut after ``max_body_bytes + 1``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body_bytes:
            break  # enough for the app to see it is too large
    scope = request.scope
    client = scope.get("client")
    return ForwardedRequest(
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        path=scope["path"],
        raw_path=scope.get("raw_path") or scope["path"].encode(),
        root_path=scope.get("root_path", ""),
        query_string=scope.get("query_string", b""),
        headers=[(bytes(k), bytes(v)) for k, v in scope["headers"]],
        body=b"".join(chunks),
        client=(client[0], int(client[1])) if client else None,
        http_version=scope.get("http_version", "1.1"),
    )


def error_for(err: Exception) -> ServeError:
    """The server's error for what the handle raised (see the module's table)."""
    from ray.exceptions import RayActorError, RayTaskError
    from ray.serve.exceptions import (
        BackPressureError,
        DeploymentUnavailableError,
        RayServeException,
    )

    if isinstance(err, BackPressureError):
        return OverloadedError(f"the replicas' queues are full ({err}); retry later")
    if isinstance(err, DeploymentUnavailableError):
        return NotReadyError(f"no model replica is ready ({err}); retry later")
    if isinstance(err, RayTaskError) and isinstance(err.cause, RayActorError):
        err = err.cause
    if isinstance(err, (RayActorError, RayServeException)):
        return ReplicaLostError(
            "the replica running this request stopped before answering "
            f"({type(err).__name__}); nothing was returned, retry"
        )
    log.error("forwarding failed: %s: %s", type(err).__name__, err)
    return ServeError(f"the gateway could not forward the request: {type(err).__name__}: {err}")


class Gateway:
    """A Ray Serve deployment class; ``__call__`` takes each HTTP request from Ray's proxy."""

    def __init__(self, replicas: Any, settings: ServeSettings, grace_s: float = GRACE_S) -> None:
        self._replicas = replicas  # a DeploymentHandle to the ModelReplica deployment
        self._settings = settings
        self._grace_s = grace_s

    async def __call__(self, request: Request) -> Response:
        answer = await self.answer(request)
        response = Response(answer.body, status_code=answer.status)
        response.raw_headers = list(answer.headers)  # as the app sent them, repeats kept
        return response

    async def answer(self, request: Request) -> ForwardedResponse:
        timeout_s = self._settings.request_timeout_s
        try:
            forwarded = await asyncio.wait_for(
                read_request(request, self._settings.max_body_bytes), timeout_s
            )
        except asyncio.TimeoutError:
            return error_response(
                DeadlineExceededError(f"the body did not arrive within {timeout_s} s")
            )
        call = self._replicas.forward.remote(forwarded)
        try:
            return await asyncio.wait_for(_result(call), timeout_s + self._grace_s)
        except asyncio.TimeoutError:
            call.cancel()
            return error_response(
                DeadlineExceededError(f"no answer within serve.request_timeout_s={timeout_s} s")
            )
        except Exception as err:
            return error_response(error_for(err))


async def _result(call: Any) -> ForwardedResponse:
    return await call
