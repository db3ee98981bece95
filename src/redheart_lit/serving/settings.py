"""The validated settings of ``python serve.py`` (the ``serve`` node of ``conf/serve.yaml``).

The CLI turns ``cfg.serve`` into a :class:`ServeSettings`; everything below the CLI takes
this dataclass, never the ``DictConfig``. A bad value fails here, naming its config key,
before a model is loaded or a port is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from redheart_lit.bundle_format import check_runtime
from redheart_lit.ethics.culture import check_culture

Transport = Literal["http", "stdio"]
TRANSPORTS: tuple[Transport, ...] = ("http", "stdio")
Precision = Literal["fp32", "bf16"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "bf16")
Backend = Literal["uvicorn", "ray"]
BACKENDS: tuple[Backend, ...] = ("uvicorn", "ray")
Runtime = Literal["torch", "onnxruntime"]
# backend=ray: who batches on each replica, the project's micro-batcher or Ray's @serve.batch
# (docs/serving.md, "Ray Serve", has the measurement that chose the default).
RayBatching = Literal["micro", "serve_batch"]
RAY_BATCHINGS: tuple[RayBatching, ...] = ("micro", "serve_batch")


@dataclass(frozen=True)
class ServeSettings:
    """How the server binds, batches and limits requests; see ``conf/serve.yaml`` for each key."""

    host: str = "127.0.0.1"
    port: int = 8000
    token_file: str | None = None
    transport: Transport = "http"
    max_batch_size: int = 32
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    request_timeout_s: float = 10.0
    max_texts: int = 64
    max_body_bytes: int = 1_048_576
    max_chars: int = 2000
    cache_size: int = 4096
    device: str = "cpu"
    precision: Precision = "fp32"
    threads: int = 1
    batching: bool = True
    # The optional LLM helper (serving/helping_ai.py); the LLM itself is the `llm` node.
    helping_ai: bool = False
    helping_ai_timeout_s: float = 5.0
    # Cultural weights of the Bentham utility (ethics/culture.py, docs/culture.md).
    culture: str = "none"
    dashboard_show_text: bool = False
    dashboard_window_s: float = 60.0
    dashboard_recent: int = 20
    # uvicorn's access log (one line per request) through the server's logging; tokens in a
    # query string are redacted (serving/dashboard_auth.py).
    access_log: bool = False
    runtime: Runtime = "torch"
    backend: Backend = "uvicorn"
    replicas: int = 1
    replica_cpus: float = 1.0
    autoscaling: dict[str, Any] | None = None
    ray_address: str | None = None
    ray_batching: RayBatching = "micro"

    def __post_init__(self) -> None:
        _check_type("host", self.host, str)
        if not self.host:
            raise ValueError("serve.host is empty; use 127.0.0.1 (loopback) or an address to bind")
        _check_type("port", self.port, int)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"serve.port={self.port} is outside 0..65535 (0 picks a free port)")
        if self.token_file is not None:
            _check_type("token_file", self.token_file, str)
        if self.transport not in TRANSPORTS:
            raise ValueError(
                f"serve.transport={self.transport!r}; choose one of {list(TRANSPORTS)}"
            )
        for key in ("max_batch_size", "max_queue", "max_texts", "max_body_bytes", "max_chars"):
            _check_positive_int(key, getattr(self, key))
        _check_type("cache_size", self.cache_size, int)
        if self.cache_size < 0:
            raise ValueError(
                f"serve.cache_size={self.cache_size} must be >= 0 (0 turns the cache off)"
            )
        for key in ("max_wait_ms", "request_timeout_s"):
            value = getattr(self, key)
            _check_type(key, value, (int, float))
            if key == "request_timeout_s" and value <= 0:
                raise ValueError(f"serve.{key}={value} must be > 0")
            if value < 0:
                raise ValueError(f"serve.{key}={value} must be >= 0")
        _check_type("device", self.device, str)
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"serve.precision={self.precision!r}; choose one of {list(PRECISIONS)}"
            )
        if self.precision == "bf16" and self.device == "cpu":
            # The orchestrator autocasts to bf16 on CUDA only; say so before loading.
            raise ValueError("serve.precision=bf16 needs a CUDA serve.device (e.g. cuda); got cpu")
        _check_positive_int("threads", self.threads)
        _check_type("batching", self.batching, bool)
        check_culture(self.culture, key="serve.culture")
        _check_type("helping_ai", self.helping_ai, bool)
        _check_type("helping_ai_timeout_s", self.helping_ai_timeout_s, (int, float))
        if self.helping_ai_timeout_s <= 0:
            raise ValueError(f"serve.helping_ai_timeout_s={self.helping_ai_timeout_s} must be > 0")
        if self.helping_ai and self.helping_ai_timeout_s >= self.request_timeout_s:
            # The helper must end before the request does, or the analysis would wait for it.
            raise ValueError(
                f"serve.helping_ai_timeout_s={self.helping_ai_timeout_s} must be below "
                f"serve.request_timeout_s={self.request_timeout_s}"
            )
        _check_type("dashboard_show_text", self.dashboard_show_text, bool)
        _check_type("dashboard_window_s", self.dashboard_window_s, (int, float))
        if self.dashboard_window_s <= 0:
            raise ValueError(f"serve.dashboard_window_s={self.dashboard_window_s} must be > 0")
        _check_positive_int("dashboard_recent", self.dashboard_recent)
        _check_type("access_log", self.access_log, bool)
        if self.backend not in BACKENDS:
            raise ValueError(f"serve.backend={self.backend!r}; choose one of {list(BACKENDS)}")
        _check_positive_int("replicas", self.replicas)
        _check_type("replica_cpus", self.replica_cpus, (int, float))
        if self.replica_cpus <= 0:
            raise ValueError(f"serve.replica_cpus={self.replica_cpus} must be > 0")
        if self.autoscaling is not None and not isinstance(self.autoscaling, dict):
            raise TypeError(f"serve.autoscaling={self.autoscaling!r} must be a mapping or null")
        if self.backend != "ray" and (self.autoscaling is not None or self.replicas != 1):
            raise ValueError("serve.replicas and serve.autoscaling need serve.backend=ray")
        if self.ray_batching not in RAY_BATCHINGS:
            raise ValueError(
                f"serve.ray_batching={self.ray_batching!r}; choose one of {list(RAY_BATCHINGS)}"
            )
        if self.ray_batching == "serve_batch" and (self.backend != "ray" or not self.batching):
            # @serve.batch runs only inside a Ray Serve replica, and only when batching.
            raise ValueError(
                "serve.ray_batching=serve_batch needs serve.backend=ray and serve.batching=true "
                f"(got serve.backend={self.backend}, serve.batching={self.batching})"
            )
        check_runtime(self.runtime, self.device, self.precision, prefix="serve.")


def _check_type(key: str, value: object, kind: type | tuple[type, ...]) -> None:
    # bool is an int subclass: `serve.port=true` must not pass as port 1.
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise TypeError(f"serve.{key}={value!r} is a bool; expected {_names(kinds)}")
    if not isinstance(value, kinds):
        raise TypeError(
            f"serve.{key}={value!r} is a {type(value).__name__}; expected {_names(kinds)}"
        )


def _check_positive_int(key: str, value: object) -> None:
    _check_type(key, value, int)
    assert isinstance(value, int)
    if value < 1:
        raise ValueError(f"serve.{key}={value} must be >= 1")


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kinds)
