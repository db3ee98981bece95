"""``serve.backend=ray``: the same FastAPI app, replicated by Ray Serve.

Each replica is a Ray Serve deployment whose ingress is :func:`create_app`'s app
(``serve.ingress`` with a builder, run on the replica): the routes, auth, error codes,
``/metrics`` and the micro-batcher are the ones ``serve.py`` serves with uvicorn, and
there is no second copy of them. Ray's HTTP proxy listens on ``serve.host:serve.port``
and spreads requests over the replicas.

Batching: each replica keeps the project's micro-batcher (``serving/batcher.py``)
rather than ``@serve.batch``: it is what the single-process server measures
(docs/benchmarks.md), it sheds load with 503 and times out with 504 as documented, and
``@serve.batch`` would need the model call moved out of the app into a second
deployment method, i.e. a second path for requests. ``/metrics`` is per replica (each
replica answers for itself).

Ray is an optional dependency (``pip install 'redheart_lit[ray]'``), imported only here.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redheart_lit.serving.settings import ServeSettings

log = logging.getLogger(__name__)
DEPLOYMENT = "redheart"


def _import_ray() -> Any:
    try:
        from ray import serve
    except ImportError as err:
        raise ImportError(
            "serve.backend=ray needs Ray Serve: pip install 'redheart_lit[ray]'"
        ) from err
    return serve


def app_builder(model_dir: Path, settings: ServeSettings, token: str | None) -> Callable[[], Any]:
    """What each replica runs once at start: load the model, build the usual app."""

    def build() -> Any:
        from redheart_lit.serving.app import create_app
        from redheart_lit.serving.main import load_orchestrator, set_threads

        set_threads(settings.threads)
        app = create_app(load_orchestrator(model_dir, settings), settings, token=token)

        @app.middleware("http")
        async def name_replica(request: Any, call_next: Any) -> Any:
            # Which replica answered (its process id): for operators and the tests.
            response = await call_next(request)
            response.headers["x-redheart-replica"] = str(os.getpid())
            return response

        return app

    return build


def deployment_options(settings: ServeSettings) -> dict[str, Any]:
    """``serve.deployment`` options: fixed replicas or Ray's autoscaling config."""
    options: dict[str, Any] = {
        "name": DEPLOYMENT,
        "ray_actor_options": {"num_cpus": settings.replica_cpus},
        # Above the micro-batcher's queue: the app sheds load with 503 itself.
        "max_ongoing_requests": settings.max_queue,
        # A replica's in-flight requests finish (or time out with 504) before it stops.
        "graceful_shutdown_timeout_s": settings.request_timeout_s + 5,
    }
    if settings.autoscaling is not None:
        options["autoscaling_config"] = dict(settings.autoscaling)
    else:
        options["num_replicas"] = settings.replicas
    return options


def build_application(model_dir: Path, settings: ServeSettings, token: str | None) -> Any:
    """The Ray Serve application: one deployment whose ingress is the usual app."""
    serve = _import_ray()
    ingress = serve.ingress(app_builder(model_dir, settings, token))()
    return serve.deployment(**deployment_options(settings))(ingress).bind()


def serve_ray(model_dir: Path, settings: ServeSettings, token: str | None) -> None:
    """Start (or join, with ``serve.ray_address``) a Ray cluster, run the app on its
    replicas behind Ray's proxy at ``serve.host:serve.port``, until SIGINT/SIGTERM."""
    import ray

    serve = _import_ray()
    ray.init(
        address=settings.ray_address,  # None: a local cluster of this machine
        include_dashboard=False,
        logging_level=logging.WARNING,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        serve.run(build_application(model_dir, settings, token), route_prefix="/")
        url = f"http://{settings.host}:{settings.port}"
        log.info("serving on %s with Ray Serve (%s)", url, deployment_options(settings))
        print(f'{{"listening": "{url}", "port": {settings.port}}}', flush=True)
        stop.wait()
    finally:
        serve.shutdown()
        ray.shutdown()


def application(args: dict[str, Any]) -> Any:
    """Ray Serve application builder for a config file (``serve deploy``, KubeRay):
    ``import_path: redheart_lit.serving.ray_backend:application`` with ``args``
    ``{ckpt: DIR, token_file: PATH|null, <any serve.* key>: value}``; see docs/serving.md."""
    values = dict(args)
    model_dir = Path(values.pop("ckpt"))
    settings = ServeSettings(**{"backend": "ray", **values})
    from redheart_lit.serving.auth import load_token

    return build_application(model_dir, settings, load_token(settings.token_file, os.environ))
