"""The HTTP app: ``create_app(orchestrator, settings)`` -> a FastAPI (ASGI) application.

Routes (see README "Serving"):

- ``POST /v1/analyze``: ``{"text": "..."}`` or ``{"texts": [...]}`` ->
  ``{"results": [...], "model_version": "..."}``, one result per text, in order.
- ``GET /health``: liveness, always open. ``GET /ready``: 200 once the model serves, else 503.
- ``GET /metrics``: Prometheus text format.
- ``GET /v1/stats``: live statistics as JSON; ``GET /dashboard``: the page showing them
  (``serving/dashboard.py``, ``serving/stats.py``).
- ``/mcp``: the MCP tools over streamable HTTP.
- ``/docs``, ``/redoc``, ``/openapi.json``: only when bound to loopback.

The app serves a model it is given; no endpoint loads, downloads or registers one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from redheart_lit.inference.result import response_model
from redheart_lit.serving.auth import BearerAuthMiddleware, check_bind, is_loopback
from redheart_lit.serving.batcher import MicroBatcher
from redheart_lit.serving.body import read_body
from redheart_lit.serving.dashboard import add_dashboard_routes
from redheart_lit.serving.errors import NotReadyError, ServeError
from redheart_lit.serving.helping_ai import HelpingAI
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.metrics import MetricsMiddleware, ServeMetrics
from redheart_lit.serving.openapi import analyze_openapi
from redheart_lit.serving.protocol import AnalysisBackend
from redheart_lit.serving.request import decode_analyze_request
from redheart_lit.serving.service import AnalysisService, BatcherClass
from redheart_lit.serving.settings import ServeSettings
from redheart_lit.serving.stats import ServeStats

log = logging.getLogger(__name__)


def create_app(
    orchestrator: AnalysisBackend,
    settings: ServeSettings,
    *,
    token: str | None = None,
    helper: HelpingAI | None = None,
    reference: Mapping[str, Any] | None = None,
    reference_problem: str = "the server was started without the bundle's reference.json",
    batcher_class: BatcherClass = MicroBatcher,
) -> FastAPI:
    """The app serving ``orchestrator``; ``token`` (when set) guards every route but /health.

    ``helper`` (``serve.helping_ai=true``) adds the LLM's ``helping_ai`` section to results.
    ``reference`` is the bundle's ``reference.json`` (the training distribution the
    dashboard's drift compares with); without it ``reference_problem`` says why.
    ``batcher_class`` builds the batcher (``serve.batching=true``): the micro-batcher, or
    the ``@serve.batch`` one on a Ray Serve replica (``ray_batcher.py``).
    """
    check_bind(settings.host, token)
    metrics = ServeMetrics(orchestrator.cache_stats)
    service = AnalysisService(
        orchestrator, settings, metrics, helper=helper, batcher_class=batcher_class
    )
    stats = ServeStats(
        service.queue_depth, orchestrator.cache_stats, reference=reference,
        reference_problem=reference_problem, window_s=settings.dashboard_window_s,
        recent=settings.dashboard_recent, show_text=settings.dashboard_show_text,
    )  # fmt: skip
    metrics.listeners.append(stats)
    mcp_server = build_mcp_server(service)
    # Builds the session manager as a side effect; its ASGI app is routed at /mcp below.
    # Stateless JSON: each tool call is one POST, nothing to keep between requests.
    mcp_server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        max_request_body_size=settings.max_body_bytes,
        host=settings.host,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            async with mcp_server.session_manager.run():
                log.info("serving model %s (batching=%s)", orchestrator.version, settings.batching)
                yield
        finally:
            await service.stop()

    docs = is_loopback(settings.host)
    app = FastAPI(
        title="redheart_lit",
        summary="Emotion, Bentham ethics, regret and SURD analysis of English and Korean text.",
        version=orchestrator.version,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.service = service
    app.state.metrics = metrics

    @app.post(
        "/v1/analyze",
        summary="Analyze one text or a list of texts.",
        # Documents the 200 body; the route returns its JSONResponse as it is.
        response_model=response_model(),
        openapi_extra=analyze_openapi(settings.max_texts, orchestrator.config.max_chars),
    )
    async def analyze(request: Request) -> JSONResponse:
        # One budget for the whole request: a client trickling its body counts too.
        deadline = service.deadline()
        body = await service.within(read_body(request, settings.max_body_bytes), deadline)
        parsed = decode_analyze_request(body, max_texts=settings.max_texts)
        results = await service.analyze(parsed, deadline=deadline)
        return JSONResponse({"results": results, "model_version": service.version})

    @app.get("/health", summary="Liveness: the process answers.")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: 200 when the model serves, 503 otherwise.")
    async def ready() -> JSONResponse:
        if not service.ready:
            raise NotReadyError("the model is not ready (starting up or shutting down)")
        return JSONResponse({"status": "ready", "model_version": service.version})

    @app.get("/metrics", summary="Prometheus metrics.")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    add_dashboard_routes(app, stats)

    app.router.add_route(
        "/mcp",
        StreamableHTTPASGIApp(mcp_server.session_manager),
        methods=None,
        include_in_schema=False,
    )

    @app.exception_handler(ServeError)
    async def serve_error(_: Request, err: ServeError) -> JSONResponse:
        return JSONResponse(err.body(), status_code=err.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, err: StarletteHTTPException) -> JSONResponse:
        # 404/405 in the same body shape as every other error.
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(err.detail)}},
            status_code=err.status_code,
            headers=getattr(err, "headers", None),
        )

    if token is not None:
        app.add_middleware(BearerAuthMiddleware, token=token)
    # Added last, so outermost: it also counts 401s and errors from the layers inside.
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
