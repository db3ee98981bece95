"""``serve.backend=ray``: the same FastAPI app, replicated by Ray Serve.

One Ray Serve application of two deployments (Ray Serve's model-composition pattern):

- ``redheart``: the model replicas (``ray_replica.py``). Each loads the model and runs
  :func:`create_app`'s app, the one ``serve.py`` serves with uvicorn: the routes, auth,
  error codes, ``/metrics`` and the batcher are that app's, with no second copy of them.
  ``serve.replicas`` of them, or Ray's autoscaling (``serve.autoscaling``).
- ``redheart_gateway``: the ingress (``ray_gateway.py``), one replica without a model.
  Ray's HTTP proxy (``serve.host:serve.port``) hands it every request; it forwards the
  request to a model replica through a ``DeploymentHandle`` and answers a replica that
  died mid-request with a clear 503 (``replica_lost``), where the proxy alone answers a
  bare 500.

Batching on each replica (``serve.ray_batching``): the project's micro-batcher
(``batcher.py``, the default) or Ray's ``@serve.batch`` (``ray_batcher.py``); ``make
bench-ray`` measures the two (docs/serving.md, "Ray Serve"). ``/metrics`` is per replica
(the one that answered).

Ray is an optional dependency (``pip install 'redheart_lit[ray]'``), imported only here
and in the modules named above.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from redheart_lit.serving.settings import ServeSettings

log = logging.getLogger(__name__)
DEPLOYMENT = "redheart"
GATEWAY = "redheart_gateway"


def _import_ray() -> Any:
    try:
        from ray import serve
    except ImportError as err:
        raise ImportError(
            "serve.backend=ray needs Ray Serve: pip install 'redheart_lit[ray]'"
        ) from err
    return serve


def deployment_options(settings: ServeSettings) -> dict[str, Any]:
    """``serve.deployment`` options of the model replicas: fixed count or Ray's autoscaling."""
    options: dict[str, Any] = {
        "name": DEPLOYMENT,
        "ray_actor_options": {"num_cpus": settings.replica_cpus},
        # Above the batcher's queue: the app sheds load with 503 itself.
        "max_ongoing_requests": settings.max_queue,
        # A replica's in-flight requests finish (or time out with 504) before it stops.
        "graceful_shutdown_timeout_s": settings.request_timeout_s + 5,
    }
    if settings.autoscaling is not None:
        options["autoscaling_config"] = dict(settings.autoscaling)
    else:
        options["num_replicas"] = settings.replicas
    return options


def gateway_options(settings: ServeSettings) -> dict[str, Any]:
    """``serve.deployment`` options of the gateway: one replica, no CPU reserved (it only
    forwards, as Ray's own proxy does), and room for every request the replicas can hold."""
    most_replicas = (
        int(settings.autoscaling.get("max_replicas", 1))  # 1: Ray's own default
        if settings.autoscaling is not None
        else settings.replicas
    )
    return {
        "name": GATEWAY,
        "num_replicas": 1,
        "ray_actor_options": {"num_cpus": 0},
        "max_ongoing_requests": settings.max_queue * most_replicas,
        "graceful_shutdown_timeout_s": settings.request_timeout_s + 10,
    }


def build_application(
    model_dir: Path, settings: ServeSettings, token: str | None, modality: dict[str, Any]
) -> Any:
    """The Ray Serve application: the gateway (ingress) bound to the model replicas.
    ``modality``: the composed ``modality`` node, as ``load_orchestrator`` takes it; every
    replica builds its encoders from it."""
    serve = _import_ray()
    from redheart_lit.serving.ray_gateway import Gateway
    from redheart_lit.serving.ray_replica import ModelReplica

    replicas = serve.deployment(**deployment_options(settings))(ModelReplica)
    gateway = serve.deployment(**gateway_options(settings))(Gateway)
    return gateway.bind(replicas.bind(model_dir, settings, token, modality), settings)


def serve_ray(
    model_dir: Path, settings: ServeSettings, token: str | None, modality: dict[str, Any]
) -> None:
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
        serve.run(build_application(model_dir, settings, token, modality), route_prefix="/")
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
    ``{ckpt: DIR, token_file: PATH|null, modality: {...}, <any serve.* key>: value}``.

    ``modality`` is the node that ``serve.py``'s ``modality/*`` groups compose, written out
    (``{image: {kind: fer, ...}, audio: {kind: prosody, ...}}``); a group left out is
    ``none``, as in ``conf/serve.yaml``'s defaults. It is checked here, before any replica
    starts, and every replica builds its encoders from it. See docs/serving.md."""
    values = dict(args)
    if "ckpt" not in values:
        raise ValueError("Ray Serve application args: 'ckpt' (the bundle folder) is required")
    model_dir = Path(values.pop("ckpt"))
    modality = dict(values.pop("modality", None) or {})
    settings = ServeSettings(**{"backend": "ray", **values})
    from redheart_lit.modalities import modality_configs
    from redheart_lit.serving.auth import load_token

    modality_configs(modality)  # a bad key fails here, not in every replica
    token = load_token(settings.token_file, os.environ)
    return build_application(model_dir, settings, token, modality)
