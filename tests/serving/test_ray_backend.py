"""``serve.backend=ray``: the config-file application builder, then two CPU replicas of the
real app on a local, loopback Ray cluster.

The builder's tests bind the application without starting Ray. One server for the rest (Ray's start-up is the expensive part): requests reach
both replicas; killing one replica's process loses no accepted request (each gets a
result or a 503 with the server's error body, none hangs, drops its connection or gets
Ray's bare 500); SIGTERM shuts everything down. Ray is the optional extra ``.[ray]``,
which ``.ci/run`` installs: a missing Ray fails here unless ``REDHEART_SKIP_RAY=1`` opts out.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import tests.serving.ray_required  # noqa: F401  (fails without the .[ray] extra)

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 300.0


def _replica_args(app) -> tuple:
    """What the model replicas are bound with: (model_dir, settings, token, modality)."""
    gateway = app._bound_deployment
    return gateway.init_args[0]._bound_deployment.init_args


def test_the_config_file_builder_hands_its_modality_to_every_replica(tmp_path: Path) -> None:
    from redheart_lit.serving.ray_backend import application

    modality = {"audio": {"kind": "prosody"}, "biosignals": {"kind": "neurokit"}}
    model_dir, settings, token, bound = _replica_args(
        application({"ckpt": str(tmp_path), "replicas": 2, "modality": modality})
    )
    assert (model_dir, settings.replicas, settings.backend, token) == (tmp_path, 2, "ray", None)
    assert bound == modality
    # Left out, every group is `none`, as conf/serve.yaml's defaults make it for serve.py.
    assert _replica_args(application({"ckpt": str(tmp_path)}))[3] == {}


@pytest.mark.parametrize("path", ["deploy/ray/serve_config.yaml", "deploy/ray/rayservice.yaml"])
def test_the_shipped_deploy_files_args_build_an_application(path: str, tmp_path: Path) -> None:
    import yaml

    from redheart_lit.serving.ray_backend import application

    config = yaml.safe_load((ROOT / path).read_text())
    if config.get("kind") == "RayService":
        config = yaml.safe_load(config["spec"]["serveConfigV2"])
    (args,) = [a["args"] for a in config["applications"]]
    token = tmp_path / "token"
    token.write_text("a-long-enough-secret-token-for-tests\n")
    args = args | {"ckpt": str(tmp_path), "token_file": str(token)}
    assert _replica_args(application(args))[3] == args["modality"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"modality": {"audio": {"kind": "prosody", "bogus": 1}}}, r"modality.audio: unknown key"),
        ({"modality": {"video": {"kind": "x"}}}, r"unknown group\(s\) \['video'\]"),
        ({"modality": {"biosignals": {"kind": "ecg"}}}, r"none or neurokit, got 'ecg'"),
        ({"ckpt": None}, r"'ckpt' \(the bundle folder\) is required"),
    ],
)
def test_the_config_file_builder_refuses_a_bad_arg_before_any_replica(
    tmp_path: Path, args: dict, message: str
) -> None:
    from redheart_lit.serving.ray_backend import application

    values = {"ckpt": str(tmp_path)} | args
    if values["ckpt"] is None:
        del values["ckpt"]
    with pytest.raises(ValueError, match=message):
        application(values)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_line(proc: subprocess.Popen[str], timeout_s: float) -> dict:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        line = lines.get(timeout=left)
        assert line, f"the server exited ({proc.poll()}) before printing its port"
        if line.startswith("{") and "listening" in line:
            return json.loads(line)
    pytest.fail(f"no port line within {timeout_s} s")


@pytest.fixture(scope="module")
def ray_server(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    port = _free_port()
    run_dir = tmp_path_factory.mktemp("ray_serve")
    env = {k: v for k, v in os.environ.items() if k != "REDHEART_API_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "serve.py"), f"ckpt={tiny_bundle}", "serve.backend=ray",
         "serve.replicas=2", "serve.replica_cpus=0.5", f"serve.port={port}",
         f"hydra.run.dir={run_dir}"],
        stdout=subprocess.PIPE, stderr=(run_dir / "stderr.log").open("w"), text=True,
        cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
    )  # fmt: skip
    try:
        url = _port_line(proc, START_TIMEOUT_S)["listening"]
        yield url, proc, run_dir
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _group_alive(pgid: int) -> list[str]:
    """The processes of group ``pgid`` still running (zombies not counted), from /proc."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:  # it ended while we looked
            continue
        state, _, group = fields.split()[:3]
        if int(group) == pgid and state != "Z":
            alive.append(name.split("(", 1)[1])
    return alive


async def _post_many(url: str, texts: list[str], during=None) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
        calls = [client.post("/v1/analyze", json={"text": t}) for t in texts]
        if during is None:
            return list(await asyncio.gather(*calls))
        tasks = [asyncio.ensure_future(c) for c in calls]
        await asyncio.sleep(0.05)
        during()
        return list(await asyncio.gather(*tasks))


@pytest.mark.slow
def test_requests_reach_both_replicas_and_a_killed_one_loses_nothing(ray_server) -> None:
    url, _, _ = ray_server
    texts = [f"I lied to my friend {i} times and I regret it." for i in range(40)]
    replies = asyncio.run(_post_many(url, texts))
    assert {r.status_code for r in replies} == {200}, [r.text for r in replies][:3]
    replicas = {r.headers["x-redheart-replica"] for r in replies}
    assert len(replicas) == 2, replicas
    assert replies[0].json()["results"][0]["analysis"]["emotion"] is not None

    victim = int(sorted(replicas)[0])
    more = [f"Round two, text {i}: I broke a promise." for i in range(40)]
    replies = asyncio.run(_post_many(url, more, during=lambda: os.kill(victim, signal.SIGKILL)))
    # Every request is answered (no exception, no hang, no bare 500 from Ray's proxy): a
    # result, or 503 with the server's error body saying why (a request that was on the
    # killed replica: replica_lost).
    for reply in replies:
        assert reply.status_code in (200, 503), (reply.status_code, reply.text[:300])
        if reply.status_code == 503:
            error = reply.json()["error"]
            assert error["code"] in {"replica_lost", "not_ready", "overloaded"}, error
            assert error["message"], error
    assert any(r.status_code == 200 for r in replies)


@pytest.mark.slow
def test_sigterm_shuts_ray_down_cleanly(ray_server) -> None:
    _, proc, run_dir = ray_server
    # To the server process only, as an orchestrator (docker stop, Kubernetes) sends it: the
    # server stops Serve (replicas drain), then the Ray cluster it started. (Signalling the
    # whole group killed Ray's own processes first and Serve waited 30 s for its controller.)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=120) == 0
    deadline = time.monotonic() + 30
    while (left := _group_alive(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)  # Ray's processes end shortly after the driver
    assert not left, f"processes outlived the server by 30 s: {left}"
    assert "failed to shut down" not in (run_dir / "stderr.log").read_text()
