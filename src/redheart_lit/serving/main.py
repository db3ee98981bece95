"""``python serve.py ckpt=DIR [serve.key=value ...]``: load an exported model and serve it.

The Hydra task checks the settings and the token before loading the model (a typo should
not cost a model load), loads the bundle with ``ProductionOrchestrator``, then serves it:
over HTTP with uvicorn (``serve.transport=http``), or as MCP over stdin/stdout
(``serve.transport=stdio``), where stdout carries nothing but the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig, OmegaConf

from redheart_lit.llm.redact import redact_logs
from redheart_lit.llm.settings import API_KEY_ENV, LLMSettings, api_key_from_env
from redheart_lit.paths import config_dir
from redheart_lit.serving.auth import check_bind, load_token
from redheart_lit.serving.protocol import AnalysisBackend
from redheart_lit.serving.settings import ServeSettings

if TYPE_CHECKING:
    from redheart_lit.serving.helping_ai import HelpingAI

log = logging.getLogger(__name__)
# Seconds uvicorn gives open requests to finish on shutdown, on top of their deadline.
_SHUTDOWN_GRACE_S = 5


def settings_from_config(serve: DictConfig) -> ServeSettings:
    """The typed settings of the ``serve`` config node."""
    values: Any = OmegaConf.to_container(serve, resolve=True, throw_on_missing=True)
    return ServeSettings(**values)


def load_helper(cfg: DictConfig, settings: ServeSettings) -> HelpingAI | None:
    """The LLM helper when ``serve.helping_ai=true`` (its ``llm`` node checked), else None.

    The key comes from ``$REDHEART_LLM_API_KEY`` only; it is masked in every log line from
    here on, and refused over plain http to another machine.
    """
    llm_node = cfg.get("llm")
    if not settings.helping_ai:
        if llm_node is not None and not OmegaConf.is_missing(llm_node, "base_url"):
            log.warning("llm.base_url is set but serve.helping_ai=false: the LLM is not used")
        return None
    if llm_node is None or any(OmegaConf.is_missing(llm_node, k) for k in ("base_url", "model")):
        raise ValueError(
            "serve.helping_ai=true needs an LLM: set llm.base_url and llm.model "
            "(or a preset, llm=vllm|ollama|llamacpp|openai, and llm.model)"
        )
    # Imported here, like the model: the client loads only when the helper is on.
    from redheart_lit.serving.helping_ai import HelpingAI

    values: Any = OmegaConf.to_container(llm_node, resolve=True, throw_on_missing=True)
    llm = LLMSettings(**values)
    key = api_key_from_env()
    redact_logs(key)
    helper = HelpingAI(llm, key, settings.helping_ai_timeout_s, settings.cache_size)
    log.info(
        "helping_ai on: %s at %s (key %s, deadline %s s)",
        llm.model,
        llm.base_url,
        f"from ${API_KEY_ENV}" if key else "not set",
        settings.helping_ai_timeout_s,
    )
    return helper


def bundle_dir(ckpt: str) -> Path:
    """``ckpt`` as a directory; an error naming it otherwise."""
    path = Path(ckpt)
    if not path.is_dir():
        raise FileNotFoundError(
            f"ckpt={ckpt} is not a directory; pass the bundle written by "
            "`python -m redheart_lit.cli.export ckpt=PATH out=DIR`"
        )
    return path


def set_threads(threads: int) -> None:
    """Give torch ``threads`` intra-op threads (``serve.threads``), before the model loads.

    Torch's default is one per core. A server is not alone on its cores: the event loop
    parses HTTP and JSON next to the model, and on a shared machine other jobs run too.
    Idle OpenMP workers spin, then wait at every parallel region for a thread that has no
    core, which turned a 3 ms tiny-model call into 600 ms on a busy 2-core machine.
    """
    import torch

    torch.set_num_threads(threads)


def load_orchestrator(
    model_dir: Path, settings: ServeSettings, modality: dict | None = None
) -> AnalysisBackend:
    """Load the bundle; the orchestrator's own error names the file or encoder that failed.

    ``modality``: the composed ``modality`` node (``conf/modality/*``), as plain dicts.
    """
    # Imported here: torch and the model code load only when a model is actually served,
    # so `--help` and a bad setting answer at once.
    from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
    from redheart_lit.modalities import build_modalities

    config = ProductionConfig(
        model_dir=str(model_dir),
        device=settings.device,
        precision=settings.precision,
        cache_size=settings.cache_size,
        max_chars=settings.max_chars,
        max_batch_size=settings.max_batch_size,
        culture=settings.culture,
        runtime=settings.runtime,
        threads=settings.threads,
    )
    return ProductionOrchestrator(config, build_modalities(modality))


def drift_reference(model_dir: Path) -> dict[str, Any]:
    """The bundle's ``reference.json`` for the dashboard's drift, or why there is none."""
    from redheart_lit.inference.reference import REFERENCE_FILE, read_reference

    reference = read_reference(model_dir)
    if reference is None:
        problem = (
            f"{model_dir / REFERENCE_FILE} is absent: export with reference=<training records>"
        )
        return {"reference": None, "reference_problem": problem}
    return {"reference": reference}


def uvicorn_config(app: Any, settings: ServeSettings) -> Any:
    """uvicorn's settings for ``app``: Hydra's logging, the access log as configured."""
    import uvicorn

    from redheart_lit.serving.dashboard_auth import RedactTokenFilter

    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokenFilter) for f in access.filters):
        access.addFilter(RedactTokenFilter())
    return uvicorn.Config(
        app,
        # Keep Hydra's logging (stderr + serve.log); uvicorn's default config would
        # send access lines to stdout. Per-request counts and latency are in /metrics.
        log_config=None,
        access_log=settings.access_log,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.request_timeout_s) + _SHUTDOWN_GRACE_S,
    )


def build_app(
    orchestrator: AnalysisBackend,
    settings: ServeSettings,
    token: str | None,
    model_dir: Path,
    helper: HelpingAI | None = None,
    **options: Any,
) -> Any:
    """The HTTP app as every HTTP backend serves it (uvicorn here, each Ray replica): the
    token, the LLM helper and the drift reference stored in ``model_dir``. ``options`` go
    to ``create_app`` (Ray: ``batcher_class``)."""
    from redheart_lit.serving.app import create_app

    return create_app(
        orchestrator, settings, token=token, helper=helper, **drift_reference(model_dir), **options
    )


async def serve_http(
    orchestrator: AnalysisBackend,
    settings: ServeSettings,
    token: str | None,
    model_dir: Path,
    helper: HelpingAI | None = None,
) -> None:
    """Serve the HTTP app until SIGINT/SIGTERM; the port is announced on stdout first."""
    import uvicorn

    from redheart_lit.serving.listen import announce, bind_socket, url_of

    app = build_app(orchestrator, settings, token, model_dir, helper)
    sock = bind_socket(settings.host, settings.port)
    server = uvicorn.Server(uvicorn_config(app, settings))
    log.info("listening on %s (model %s)", url_of(sock), orchestrator.version)
    announce(sock)
    with sock:
        await server.serve(sockets=[sock])


async def serve_stdio(
    orchestrator: AnalysisBackend, settings: ServeSettings, helper: HelpingAI | None = None
) -> None:
    """Serve the MCP tools on stdin/stdout until stdin closes."""
    from redheart_lit.serving.mcp_tools import build_mcp_server
    from redheart_lit.serving.service import AnalysisService

    service = AnalysisService(orchestrator, settings, helper=helper)
    await service.start()
    log.info("serving MCP over stdio (model %s)", orchestrator.version)
    try:
        await build_mcp_server(service).run_stdio_async()
    finally:
        await service.stop()


def run(cfg: DictConfig) -> None:
    """The Hydra task."""
    settings = settings_from_config(cfg.serve)
    model_dir = bundle_dir(cfg.ckpt)
    # conf/serve.yaml composes every modality group (each `none` unless chosen).
    modality = OmegaConf.to_container(cfg.modality, resolve=True)
    # Read even for stdio (which does not use it): a bad token file is a mistake either way.
    token = load_token(settings.token_file, os.environ)
    # The token is a secret like the LLM key: no log line of any library may show it.
    redact_logs(token)
    # Checked before the model loads, like every other setting.
    helper = load_helper(cfg, settings)
    if settings.transport == "stdio":
        # Nothing but MCP may reach stdout; a stray print while the model loads would
        # corrupt the stream (the SDK guards fd 1 only once it serves).
        with contextlib.redirect_stdout(sys.stderr):
            set_threads(settings.threads)
            orchestrator = load_orchestrator(model_dir, settings, modality)
        asyncio.run(serve_stdio(orchestrator, settings, helper))
        return
    check_bind(settings.host, token)
    if settings.backend == "ray":
        from redheart_lit.serving.ray_backend import serve_ray

        if helper is not None:
            # The helper holds an API client that is not handed to the replicas.
            raise ValueError(
                "serve.helping_ai=true is not available with serve.backend=ray; "
                "use serve.backend=uvicorn"
            )
        serve_ray(model_dir, settings, token, modality)  # the replicas load the model
        return
    set_threads(settings.threads)
    orchestrator = load_orchestrator(model_dir, settings, modality)
    asyncio.run(serve_http(orchestrator, settings, token, model_dir, helper))


def main() -> None:
    hydra.main(config_path=str(config_dir()), config_name="serve", version_base="1.3")(run)()
