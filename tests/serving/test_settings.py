"""ServeSettings refuses bad values with the config key in the message."""

from __future__ import annotations

from typing import Any

import pytest

from redheart_lit.serving import ServeSettings


def test_defaults_are_valid() -> None:
    settings = ServeSettings()
    assert (settings.host, settings.port, settings.max_texts) == ("127.0.0.1", 8000, 64)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"port": -1}, "serve.port=-1"),
        ({"port": True}, "serve.port=True is a bool"),
        ({"host": ""}, "serve.host is empty"),
        ({"transport": "sse"}, "serve.transport='sse'"),
        ({"max_queue": 0}, "serve.max_queue=0 must be >= 1"),
        ({"max_texts": 1.5}, "serve.max_texts=1.5 is a float"),
        ({"cache_size": -1}, "serve.cache_size=-1"),
        ({"max_wait_ms": -1}, "serve.max_wait_ms=-1"),
        ({"request_timeout_s": 0}, "serve.request_timeout_s=0 must be > 0"),
        ({"batching": "no"}, "serve.batching='no'"),
        ({"token_file": 3}, "serve.token_file=3"),
        ({"threads": 0}, "serve.threads=0 must be >= 1"),
        ({"threads": 2.0}, "serve.threads=2.0 is a float"),
        ({"precision": "fp16"}, "serve.precision='fp16'"),
        ({"precision": "bf16"}, "serve.precision=bf16 needs a CUDA serve.device"),
        ({"backend": "ray", "ray_batching": "dynamic"}, "serve.ray_batching='dynamic'"),
        ({"ray_batching": "serve_batch"}, "serve_batch needs serve.backend=ray"),
        (
            {"backend": "ray", "batching": False, "ray_batching": "serve_batch"},
            "serve.batching=False",
        ),
    ],
)
def test_bad_values(values: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError)) as caught:
        ServeSettings(**values)
    assert message in str(caught.value)


def test_integer_milliseconds_are_accepted() -> None:
    # YAML `max_wait_ms: 5` arrives as an int.
    assert ServeSettings(max_wait_ms=5).max_wait_ms == 5


def test_threads_and_precision() -> None:
    assert (ServeSettings().threads, ServeSettings().precision) == (1, "fp32")
    settings = ServeSettings(threads=4, precision="bf16", device="cuda")
    assert (settings.threads, settings.precision) == (4, "bf16")


def test_ray_batching_defaults_to_the_micro_batcher() -> None:
    # The measured winner (docs/serving.md, "Ray Serve"); serve_batch is opt-in.
    assert ServeSettings().ray_batching == "micro"
    assert ServeSettings(backend="ray", ray_batching="serve_batch").ray_batching == "serve_batch"
