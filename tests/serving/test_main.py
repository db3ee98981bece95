"""The serve entry point: config composition and checks, the port line, and both transports
in a real subprocess (with the fake orchestrator, see fake_serve.py)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig
from omegaconf.errors import MissingMandatoryValue
from tests.serving.fakes import text_of

from redheart_lit.paths import config_dir
from redheart_lit.serving import ServeSettings
from redheart_lit.serving import main as serve_main
from redheart_lit.serving.listen import announce, bind_socket
from redheart_lit.serving.main import bundle_dir, settings_from_config

FAKE_SERVE = Path(__file__).with_name("fake_serve.py")


def compose(overrides: list[str]) -> DictConfig:
    """``conf/serve.yaml`` as ``serve.py`` composes it (without importing torch via the CLI)."""
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return hydra_compose("serve", overrides=overrides, return_hydra_config=True)


def test_yaml_defaults_are_the_settings_defaults() -> None:
    cfg = compose(["ckpt=some/dir"])
    assert settings_from_config(cfg.serve) == ServeSettings()
    assert set(cfg.serve) == {f.name for f in fields(ServeSettings)}


def test_unknown_keys_fail() -> None:
    with pytest.raises(ConfigCompositionException, match=r"serve\.max_batch"):
        compose(["ckpt=x", "serve.max_batch=3"])


def test_ckpt_is_required() -> None:
    cfg = compose([])
    with pytest.raises(MissingMandatoryValue):
        _ = cfg.ckpt


@pytest.mark.parametrize(
    ("override", "message"),
    [("serve.port=70000", "serve.port=70000"), ("serve.transport=grpc", "serve.transport='grpc'"),
     ("serve.max_batch_size=0", "serve.max_batch_size=0"), ("serve.batching=maybe", "serve.batching='maybe'"),
     ("serve.request_timeout_s=0", "serve.request_timeout_s=0"),
     ("serve.threads=0", "serve.threads=0"), ("serve.precision=fp16", "serve.precision='fp16'")],
)  # fmt: skip
def test_bad_values_name_their_key(override: str, message: str) -> None:
    cfg = compose(["ckpt=x", override])
    with pytest.raises((ValueError, TypeError)) as caught:
        settings_from_config(cfg.serve)
    assert message in str(caught.value)


def test_threads_are_set_before_the_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(serve_main, "set_threads", lambda n: calls.append(("threads", n)))
    monkeypatch.setattr(
        serve_main,
        "load_orchestrator",
        lambda path, s, modality=None: calls.append(("load", s.precision)),
    )

    async def no_serve(*_: object) -> None:
        calls.append(("serve", None))

    monkeypatch.setattr(serve_main, "serve_http", no_serve)
    monkeypatch.delenv("REDHEART_API_TOKEN", raising=False)
    serve_main.run(compose([f"ckpt={tmp_path}", "serve.threads=3"]))
    assert calls == [("threads", 3), ("load", "fp32"), ("serve", None)]


def test_set_threads_sets_torch_intra_op_threads() -> None:
    import torch

    before = torch.get_num_threads()
    target = 2 if before == 1 else 1  # a value that differs, so the check can fail
    try:
        serve_main.set_threads(target)
        assert torch.get_num_threads() == target
    finally:
        torch.set_num_threads(before)


def test_precision_reaches_the_orchestrator_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redheart_lit.inference as inference

    monkeypatch.setattr(inference, "ProductionOrchestrator", lambda config, modalities=None: config)
    settings = ServeSettings(precision="bf16", device="cuda:0", max_batch_size=7, cache_size=0)
    config = serve_main.load_orchestrator(tmp_path, settings)
    assert isinstance(config, inference.ProductionConfig)
    assert (config.precision, config.device, config.max_batch_size, config.cache_size) == (
        "bf16", "cuda:0", 7, 0,
    )  # fmt: skip


def test_logs_go_to_stderr() -> None:
    cfg = compose(["ckpt=x"])
    assert cfg.hydra.job_logging.handlers.console.stream == "ext://sys.stderr"
    assert cfg.hydra.hydra_logging.handlers.console.stream == "ext://sys.stderr"


def test_ckpt_must_be_a_directory(tmp_path: Path) -> None:
    assert bundle_dir(str(tmp_path)) == tmp_path
    with pytest.raises(FileNotFoundError, match=r"ckpt=.*absent is not a directory"):
        bundle_dir(str(tmp_path / "absent"))


def test_port_zero_binds_a_free_port_and_announces_it() -> None:
    sock = bind_socket("127.0.0.1", 0)
    with sock:
        port = sock.getsockname()[1]
        assert port > 0
        out = io.StringIO()
        announce(sock, out)
    assert json.loads(out.getvalue()) == {"listening": f"http://127.0.0.1:{port}", "port": port}


def test_a_taken_port_is_an_error_naming_it() -> None:
    with bind_socket("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"serve.port={port}"):
            bind_socket("127.0.0.1", port)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDHEART_API_TOKEN"}
    return {**env, "PYTHONUNBUFFERED": "1"}


def _start(tmp_path: Path, *overrides: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(FAKE_SERVE), f"ckpt={tmp_path}", f"hydra.run.dir={tmp_path}/run", *overrides],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=tmp_path, env=_env(), start_new_session=True,
    )  # fmt: skip


@pytest.mark.slow
def test_http_on_port_zero_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = _start(tmp_path, "serve.port=0")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "a stray print while loading\n"
        announced = json.loads(proc.stdout.readline())
        url = announced["listening"]
        assert url == f"http://127.0.0.1:{announced['port']}"
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/ready").status_code == 200
            response = client.post("/v1/analyze", json={"texts": ["a", "나"]})
        assert response.status_code == 200
        assert [text_of(r) for r in response.json()["results"]] == ["a", "나"]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert proc.returncode in (0, -signal.SIGTERM), err
        assert "Application shutdown complete" in err
        assert out == ""
        assert "listening on http://127.0.0.1" in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _rpc(method: str, params: dict, ident: int | None) -> str:
    message = {"jsonrpc": "2.0", "method": method, "params": params}
    if ident is not None:
        message["id"] = ident
    return json.dumps(message) + "\n"


@pytest.mark.slow
def test_stdio_prints_nothing_but_the_protocol(tmp_path: Path) -> None:
    proc = _start(tmp_path, "serve.transport=stdio")
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        init = {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        }
        proc.stdin.write(_rpc("initialize", init, 1))
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first["id"] == 1, first
        assert "result" in first, first
        proc.stdin.write(_rpc("notifications/initialized", {}, None))
        proc.stdin.write(
            _rpc("tools/call", {"name": "analyze_text", "arguments": {"text": "안녕"}}, 2)
        )
        proc.stdin.flush()
        second = json.loads(proc.stdout.readline())
        assert second["id"] == 2
        assert text_of(second["result"]["structuredContent"]["results"][0]) == "안녕"
        out, err = proc.communicate(timeout=20)  # closes stdin: the server exits
        assert out == "", out
        assert proc.returncode == 0, err
        assert "a stray print while loading" in err
        assert "serving MCP over stdio" in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_non_loopback_without_token_fails_before_loading(tmp_path: Path) -> None:
    proc = _start(tmp_path, "serve.host=0.0.0.0")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert out == ""  # the fake never loaded: its print is absent
    assert "serve.host=0.0.0.0 is not a loopback address" in err
