"""Load test of ``serve.py``: micro-batched server vs the naive one, on exported bundles.

    python benchmarks/serve_load.py BUNDLE [BUNDLE ...] [--requests 400] [--rounds 3]
        [--concurrency 1 8 32] [--threads 1] [--repeated] [--set serve.KEY=VALUE ...]
        [--client raw|httpx] [--out docs/bench/serve.json] [--doc docs/benchmarks.md]

For each bundle it starts two servers side by side, each ``serve.py ckpt=BUNDLE
serve.port=0`` in its own process group on a free loopback port (read from the line it
prints): the micro-batched one (the defaults) and the naive one (``serve.batching=false
serve.cache_size=0``: one request at a time straight to the model). Same model, same
``serve.threads``, same HTTP stack. Only one is driven at a time; the idle one costs
nothing. At each concurrency level it sends ``--requests`` single-text requests of
distinct English and Korean texts (never seen before by either server, so the cache cannot
help; ``--repeated`` cycles 8 texts instead) to one server, then the same texts to the
other, and repeats that ``--rounds`` times, swapping which goes first. Interleaving keeps
a slow spell of the shared machine from landing on one server only. Throughput is all
requests over all seconds; p50/p95 are over all latencies of all rounds. Around every
measurement it reads the CPU time of the server's event-loop thread and of its other
(model) threads from /proc, and its own, so each row says where a request's CPU went.

Results go to ``--out`` as JSON and to stdout as a markdown table; ``--doc`` (re)writes
the generated part of the "Serving" section of that markdown file. Traffic goes to
127.0.0.1 only; every loop is bounded.

The load generator shares the machine with the server, so it is kept cheap: a minimal
HTTP/1.1 client on asyncio streams (:class:`Connection`), 0.1 to 0.3 ms of CPU per
request where httpx took about 3 ms, which on 2 cores it took from the server under test
(``--client httpx`` shows the difference).
The 1-minute load average is recorded before every measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import queue
import re
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from common import ROOT, machine, percentile

SERVERS: dict[str, list[str]] = {
    "batched": [],
    "naive": ["serve.batching=false", "serve.cache_size=0"],
}
# Loading a model can take a while on a busy CPU; a server that is not up by then is broken.
START_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 120.0
WARMUP_REQUESTS = 32
# The generated part of the doc's "Serving" section lies between these lines.
DOC_BEGIN = "<!-- serve_load.py: begin generated -->"
DOC_END = "<!-- serve_load.py: end generated -->"
DOC_HEADING = "## Serving: micro-batched vs naive (`make bench-serve`)"

_ENGLISH = (
    "I finally finished the project and I feel proud of the whole team",
    "He broke his promise again and I am furious about it",
    "Should I tell my friend the truth even if it hurts her",
    "I regret not calling my grandmother before she passed away",
    "The new policy helps the poor but costs the rich a little",
    "We laughed all evening at the silly movie",
    "I am nervous about the interview tomorrow morning",
    "Stealing bread to feed a starving child is still stealing",
)
_KOREAN = (
    "오늘 시험에 합격해서 정말 기뻐요",
    "친구가 약속을 또 어겨서 너무 화가 났다",
    "그때 부모님께 더 잘해 드릴 걸 하는 후회가 든다",
    "새 정책은 많은 사람에게 도움이 되지만 일부에게는 손해다",
    "내일 발표가 있어서 긴장된다",
    "길에서 지갑을 주워 주인에게 돌려주었다",
    "동생이 아파서 걱정이 많다",
    "거짓말을 한 것이 마음에 걸린다",
)


def make_texts(start: int, count: int) -> list[str]:
    """``count`` distinct texts, English and Korean alternating, numbered from ``start``."""
    texts = []
    for i in range(start, start + count):
        pool = _ENGLISH if i % 2 == 0 else _KOREAN
        texts.append(f"{pool[(i // 2) % len(pool)]} ({i})")
    return texts


# -- the client ------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON: the load generator's client.

    Hand-written on asyncio streams because the generator shares the CPU with the server:
    httpx spent about 3 ms of CPU per request here, more than the server's own HTTP work,
    and a 2-core machine took that from the server it measured. This parses what uvicorn
    sends: a status line, headers, and a Content-Length body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post_json(self, path: str, payload: object) -> tuple[int, bytes]:
        """``(status, body)`` of one POST; reconnects once if the server closed the socket."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in (0, 1):
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._streams
            try:
                writer.write(head + body)
                return await self._response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"a response without Content-Length: {lines[:3]}")
        return status, await reader.readexactly(length)

    async def close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def drive(
    url: str, texts: list[str], concurrency: int, client: str = "raw", path: str = "/v1/analyze"
) -> tuple[list[float], Counter[int], float]:
    """Send one request per text with ``concurrency`` in flight; latencies (s), statuses
    (0: no answer), wall time (s). ``client="raw"``: each worker on its own keep-alive
    :class:`Connection`; ``"httpx"``: one httpx pool of ``concurrency`` connections (the
    preliminary setup, kept to show what the client costs). ``path``: where to POST (the
    Ray benchmark serves two apps under two prefixes)."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    if host is None or port is None:
        raise ValueError(f"{url} has no host and port")
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    pending = iter(texts)
    pool = None
    if client == "httpx":
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        pool = httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits)

    async def post(connection: Connection, text: str) -> int:
        if pool is not None:
            return (await pool.post(path, json={"text": text})).status_code
        status, _ = await connection.post_json(path, {"text": text})
        return status

    async def worker() -> None:
        connection = Connection(host, port)
        try:
            for text in pending:  # the shared iterator hands each text to one worker
                start = time.perf_counter()
                try:
                    status = await asyncio.wait_for(post(connection, text), REQUEST_TIMEOUT_S)
                except (OSError, httpx.TransportError, asyncio.TimeoutError,
                        asyncio.IncompleteReadError):  # fmt: skip
                    status = 0
                    await connection.close()
                latencies.append(time.perf_counter() - start)
                statuses[status] += 1
        finally:
            await connection.close()

    start = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        if pool is not None:
            await pool.aclose()
    return latencies, statuses, time.perf_counter() - start


def thread_cpu(pid: int) -> tuple[float, float] | None:
    """CPU seconds of process ``pid``: ``(main thread, all other threads)``; None off Linux.

    In ``serve.py`` the main thread runs the event loop (HTTP, JSON, the batcher) and the
    others the model (the batcher's or the naive worker thread, and torch's own).
    """
    tick = os.sysconf("SC_CLK_TCK")
    main = other = 0.0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(FileNotFoundError):  # a thread that just ended
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces
                seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
                if int(tid) == pid:
                    main += seconds
                else:
                    other += seconds
    except OSError:
        return None
    return main, other


def own_cpu() -> float:
    """CPU seconds of this process (the load generator) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the servers -----------------------------------------------------------------------


class Server:
    """``serve.py`` in its own process group; stdout is read for the port line."""

    def __init__(
        self, serve_script: Path, bundle: Path, overrides: list[str], log_dir: Path
    ) -> None:
        self.log_path = log_dir / "server.log"
        self._log = self.log_path.open("w")
        self.command = [
            sys.executable, str(serve_script), f"ckpt={bundle}", "serve.port=0",
            f"hydra.run.dir={log_dir}", *overrides,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=ROOT,
            start_new_session=True,  # its own process group: killed whole at the end
        )  # fmt: skip
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_url(self, timeout_s: float) -> str:
        """The URL from the ``{"listening": ...}`` line; other stdout lines are skipped."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"the server exited ({self.proc.wait()}); see {self.log_path}")
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(message, dict) and "listening" in message:
                return str(message["listening"])
        raise TimeoutError(f"no port line within {timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


@contextlib.contextmanager
def started(
    serve_script: Path, bundle: Path, overrides: list[str], log_root: Path
) -> Iterator[dict[str, tuple[str, int]]]:
    """Both servers of ``bundle`` running, each with its own overrides and then ``overrides``;
    yields ``{name: (url, pid)}`` and stops them on exit."""
    specs = {name: (bundle, [*own, *overrides]) for name, own in SERVERS.items()}
    with running(serve_script, specs, log_root) as urls:
        yield urls


@contextlib.contextmanager
def running(
    serve_script: Path, specs: dict[str, tuple[Path, list[str]]], log_root: Path
) -> Iterator[dict[str, tuple[str, int]]]:
    """One server per ``{name: (bundle, overrides)}``, each logging under ``log_root/name``;
    yields ``{name: (url, pid)}``, prints the logs if one fails to start, stops them all."""
    servers: dict[str, Server] = {}
    try:
        for name, (bundle, overrides) in specs.items():
            log_dir = log_root / name
            log_dir.mkdir()
            servers[name] = Server(serve_script, bundle, overrides, log_dir)
        yield {
            name: (server.wait_url(START_TIMEOUT_S), server.proc.pid)
            for name, server in servers.items()
        }
    except Exception:
        for name, server in servers.items():
            print(f"# {name} server log:", file=sys.stderr)
            sys.stderr.write(server.log_path.read_text()[-4000:])
        raise
    finally:
        for server in servers.values():
            server.stop()


async def wait_ready(client: httpx.AsyncClient, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if (await client.get("/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"/ready did not answer 200 within {timeout_s:.0f} s")


async def batch_counts(client: httpx.AsyncClient) -> tuple[float, float]:
    """``(model calls, texts)`` so far, from the server's /metrics."""
    text = (await client.get("/metrics")).text

    def value(name: str) -> float:
        match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    return value("redheart_batch_size_count"), value("redheart_batch_size_sum")


# -- one bundle ------------------------------------------------------------------------


@dataclass
class LevelResult:
    """One server at one concurrency level, all rounds together."""

    bundle: str
    server: str
    texts: str
    concurrency: int
    rounds: int
    requests: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    throughput_rps: float
    round_throughputs_rps: list[float]
    p50_ms: float
    p95_ms: float
    mean_batch: float
    loadavg_1m: list[float]
    # CPU per request (ms): the server's event-loop thread, its other (model) threads, and
    # the load generator. None where /proc is not there to read.
    loop_cpu_ms: float | None = None
    model_cpu_ms: float | None = None
    client_cpu_ms: float | None = None
    client: str = "raw"


@dataclass
class _Cell:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)
    calls: float = 0.0
    texts: float = 0.0
    loadavg: list[float] = field(default_factory=list)
    loop_cpu: float = 0.0
    model_cpu: float = 0.0
    client_cpu: float = 0.0
    cpu_known: bool = True


async def bench_bundle(
    servers: dict[str, tuple[str, int]], bundle: str, levels: list[int], requests: int,
    rounds: int, repeated: bool, client: str = "raw",
) -> list[LevelResult]:  # fmt: skip
    """Interleave the servers over ``rounds`` x ``levels``; one LevelResult per server and level."""
    urls = {name: url for name, (url, _) in servers.items()}
    # For /ready and /metrics only; the load goes through drive().
    clients = {
        name: httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S)
        for name, url in urls.items()
    }
    cells: dict[tuple[str, int], _Cell] = {(n, c): _Cell() for n in urls for c in levels}
    try:
        for name, url in urls.items():
            await wait_ready(clients[name], START_TIMEOUT_S)
            # Warm-up texts are never measured and never reused (no cache hits from them).
            await drive(url, make_texts(10_000_000, WARMUP_REQUESTS), min(8, max(levels)))
        offset = 0
        for round_ in range(rounds):
            for level in levels:
                if repeated:
                    pool = make_texts(0, 8)
                    texts = [pool[i % len(pool)] for i in range(requests)]
                else:  # the same fresh texts for both servers, new ones every time
                    texts = make_texts(offset, requests)
                    offset += requests
                order = list(urls) if round_ % 2 == 0 else list(reversed(urls))
                for name in order:
                    cell = cells[(name, level)]
                    cell.loadavg.append(round(os.getloadavg()[0], 2))
                    calls0, texts0 = await batch_counts(clients[name])
                    cpu0, mine0 = thread_cpu(servers[name][1]), own_cpu()
                    latencies, statuses, seconds = await drive(urls[name], texts, level, client)
                    cpu1, mine1 = thread_cpu(servers[name][1]), own_cpu()
                    calls1, texts1 = await batch_counts(clients[name])
                    cell.client_cpu += mine1 - mine0
                    if cpu0 is None or cpu1 is None:
                        cell.cpu_known = False
                    else:
                        cell.loop_cpu += cpu1[0] - cpu0[0]
                        cell.model_cpu += cpu1[1] - cpu0[1]
                    cell.latencies += latencies
                    cell.statuses.update(statuses)
                    cell.seconds += seconds
                    cell.rounds.append(round(requests / seconds, 1))
                    cell.calls += calls1 - calls0
                    cell.texts += texts1 - texts0
                    print(
                        f"# {Path(bundle).name} {name} c={level} round {round_ + 1}: "
                        f"{requests / seconds:.1f} req/s", file=sys.stderr, flush=True,
                    )  # fmt: skip
    finally:
        for probe in clients.values():
            await probe.aclose()
    results = []
    for (name, level), cell in cells.items():
        total = len(cell.latencies)
        results.append(LevelResult(
            bundle=bundle, server=name, texts="repeated" if repeated else "distinct",
            concurrency=level, rounds=rounds, requests=total,
            errors=sum(n for status, n in cell.statuses.items() if status != 200),
            statuses={str(k): v for k, v in sorted(cell.statuses.items())},
            seconds=round(cell.seconds, 3), throughput_rps=round(total / cell.seconds, 1),
            round_throughputs_rps=cell.rounds,
            p50_ms=round(percentile(cell.latencies, 50) * 1000, 1),
            p95_ms=round(percentile(cell.latencies, 95) * 1000, 1),
            mean_batch=round(cell.texts / cell.calls, 1) if cell.calls else 0.0,
            loadavg_1m=cell.loadavg,
            loop_cpu_ms=round(cell.loop_cpu / total * 1000, 2) if cell.cpu_known else None,
            model_cpu_ms=round(cell.model_cpu / total * 1000, 2) if cell.cpu_known else None,
            client_cpu_ms=round(cell.client_cpu / total * 1000, 2), client=client,
        ))  # fmt: skip
    return results


def describe_bundle(bundle: Path) -> dict[str, object]:
    """Name, version and size of an exported model, from its config.json (when it has one)."""
    info: dict[str, object] = {"name": bundle.name, "path": str(bundle)}
    config_path = bundle / "config.json"
    if config_path.is_file():
        config = json.loads(config_path.read_text())
        backbone = config.get("model", {}).get("backbone", {})
        info["version"] = config.get("version")
        info["backbone"] = {k: backbone.get(k) for k in ("d_model", "n_layers", "input")}
    weights = bundle / "model.safetensors"
    if weights.is_file():
        info["weights_mb"] = round(weights.stat().st_size / 2**20, 1)
    return info


# -- the report ------------------------------------------------------------------------


def markdown(results: list[LevelResult], bundles: list[dict[str, object]]) -> str:
    """One row per bundle and concurrency: both servers side by side, and their ratio."""
    by_key = {(r.bundle, r.server, r.concurrency): r for r in results}
    names = {str(b["path"]): _model_name(b) for b in bundles}
    lines = [
        "| model | concurrency | batched req/s | naive req/s | batched / naive "
        "| batched p50 / p95 ms | naive p50 / p95 ms | mean batch | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for bundle in dict.fromkeys(r.bundle for r in results):
        for level in sorted({r.concurrency for r in results if r.bundle == bundle}):
            batched = by_key.get((bundle, "batched", level))
            naive = by_key.get((bundle, "naive", level))
            if batched is None or naive is None:
                continue
            lines.append(
                f"| {names.get(bundle, Path(bundle).name)} | {level} "
                f"| {batched.throughput_rps:.1f} {spread(batched.round_throughputs_rps)} "
                f"| {naive.throughput_rps:.1f} {spread(naive.round_throughputs_rps)} "
                f"| {batched.throughput_rps / naive.throughput_rps:.2f}x "
                f"| {batched.p50_ms:.1f} / {batched.p95_ms:.1f} "
                f"| {naive.p50_ms:.1f} / {naive.p95_ms:.1f} "
                f"| {batched.mean_batch:.1f} | {batched.errors + naive.errors} |"
            )
    return "\n".join(lines)


def cpu_table(results: list[LevelResult], bundles: list[dict[str, object]]) -> str:
    """CPU per request of each server's event loop and model threads, and of the client."""
    names = {str(b["path"]): _model_name(b) for b in bundles}

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        "| model | concurrency | server | event loop ms | model threads ms | load generator ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    order = {bundle: i for i, bundle in enumerate(dict.fromkeys(r.bundle for r in results))}
    for r in sorted(results, key=lambda r: (order[r.bundle], r.concurrency, r.server)):
        lines.append(
            f"| {names.get(r.bundle, Path(r.bundle).name)} | {r.concurrency} | {r.server} "
            f"| {ms(r.loop_cpu_ms)} | {ms(r.model_cpu_ms)} | {ms(r.client_cpu_ms)} |"
        )
    return "\n".join(lines)


def verdicts(results: list[LevelResult], bundles: list[dict[str, object]]) -> list[str]:
    """Per bundle, at the highest concurrency: is batched >= 3x naive with a lower p95?"""
    names = {str(b["path"]): _model_name(b) for b in bundles}
    out = []
    for bundle in dict.fromkeys(r.bundle for r in results):
        level = max(r.concurrency for r in results if r.bundle == bundle)
        pair = {r.server: r for r in results if r.bundle == bundle and r.concurrency == level}
        if set(pair) != set(SERVERS):
            continue
        ratio = pair["batched"].throughput_rps / pair["naive"].throughput_rps
        lower_p95 = pair["batched"].p95_ms < pair["naive"].p95_ms
        met = ratio >= 3 and lower_p95
        out.append(
            f"- {names.get(bundle, bundle)}, concurrency {level}: {ratio:.2f}x the naive "
            f"throughput, p95 {pair['batched'].p95_ms:.1f} vs {pair['naive'].p95_ms:.1f} ms: "
            f"goal (>= 3x and a lower p95) **{'met' if met else 'missed'}**."
        )
    return out


def _model_name(bundle: dict[str, object]) -> str:
    backbone = bundle.get("backbone")
    if not isinstance(backbone, dict):
        return str(bundle["name"])
    return (
        f"{bundle['name']} (d_model {backbone['d_model']}, {backbone['n_layers']} layer"
        f"{'s' if backbone['n_layers'] != 1 else ''}, {bundle.get('weights_mb')} MB)"
    )


def spread(round_throughputs: list[float]) -> str:
    """``(lo–hi)`` of the per-round throughputs, for a table cell; empty for one round."""
    if len(round_throughputs) < 2:
        return ""
    return f"({min(round_throughputs):.0f}–{max(round_throughputs):.0f})"


def doc_section(report: dict) -> str:
    """The generated part of the doc's Serving section."""
    results = [LevelResult(**r) for r in report["results"]]
    host = report["machine"]
    loads = [x for r in results for x in r.loadavg_1m]
    gpu = "a GPU is present but unused" if host["gpu"] else "no GPU"
    settings = " ".join([f"serve.threads={report['server_threads']}", *report["overrides"]])
    lines = [
        DOC_BEGIN,
        "",
        f"Command: `{report['command']}` (what `make bench-serve` runs, after training and "
        "exporting the bundles it lacks). Written by the script on "
        f"{report['date']}; raw numbers in `{report['out']}`.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} CPU cores, {gpu} "
        f"(`serve.device=cpu`), torch {host['torch']}, Python {host['python']}, "
        f"{host['platform']}. Both servers ran with `{settings}` and otherwise the "
        "defaults of `conf/serve.yaml`. 1-minute load "
        f"average before each measurement: {min(loads):.2f} to {max(loads):.2f} "
        "(the server and the load generator count in it).",
        "",
        f"Load: {report['requests']} single-text requests per server, level and round, "
        f"{report['rounds']} rounds, texts {results[0].texts} (mixed English and Korean). "
        "Requests/s are all requests over all seconds, (min–max over rounds); p50/p95 "
        "over all requests. Naive = `serve.batching=false serve.cache_size=0`: the same "
        "model, threads and HTTP stack, one request at a time to the model. Mean batch = "
        "texts per model call of the batched server.",
        "",
        markdown(results, report["bundles"]),
        "",
        *verdicts(results, report["bundles"]),
        "",
        "CPU per request, all rounds: the server's event-loop thread (HTTP, JSON, the "
        "batcher), its other threads (the model: orchestrator and forward pass), read "
        "from `/proc/<pid>/task/*/stat`, and the load generator (`getrusage`; "
        f"client: {results[0].client}).",
        "",
        cpu_table(results, report["bundles"]),
        "",
        DOC_END,
    ]
    return "\n".join(lines)


def write_doc(path: Path, section: str) -> None:
    """Replace the generated part of ``path`` (between the markers), or append the section."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if DOC_BEGIN in text and DOC_END in text:
        head, rest = text.split(DOC_BEGIN, 1)
        tail = rest.split(DOC_END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + f"\n\n{DOC_HEADING}\n\n{section}\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("bundles", nargs="+", type=Path, help="exported bundle directories")
    parser.add_argument(
        "--requests", type=int, default=400, help="requests per server, level and round"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--repeated", action="store_true", help="cycle 8 texts instead of distinct ones"
    )
    parser.add_argument("--threads", type=int, default=1, help="serve.threads of both servers")
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw",
        help="the load generator's HTTP client (httpx: to see what a heavy client costs)",
    )  # fmt: skip
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="serve.KEY=VALUE",
        help="an override for both servers (repeatable), e.g. serve.max_wait_ms=2",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "serve.json")
    parser.add_argument(
        "--doc", type=Path, default=None, help="markdown file whose Serving section to rewrite"
    )
    parser.add_argument(
        "--serve", type=Path, default=ROOT / "serve.py", help="the server script (tests use a fake)"
    )
    args = parser.parse_args(argv)
    for bundle in args.bundles:
        if not bundle.is_dir():
            parser.error(
                f"{bundle} is not a directory; export a model first (make bench-serve says how)"
            )
    if min(args.requests, args.rounds, args.threads, *args.concurrency) < 1:
        parser.error("--requests, --rounds, --concurrency and --threads must be >= 1")

    for override in args.overrides:
        if not override.startswith("serve.") or "=" not in override:
            parser.error(f"--set {override}: expected serve.KEY=VALUE")
    overrides = [f"serve.threads={args.threads}", *args.overrides]
    results: list[LevelResult] = []
    for bundle in args.bundles:
        with (
            tempfile.TemporaryDirectory(prefix="serve-bench-") as log_root,
            started(args.serve, bundle.resolve(), overrides, Path(log_root)) as servers,
        ):
            results += asyncio.run(
                bench_bundle(
                    servers, str(bundle.resolve()), args.concurrency, args.requests,
                    args.rounds, args.repeated, args.client,
                )
            )  # fmt: skip
    command = ["python", *(sys.argv if argv is None else ["benchmarks/serve_load.py", *argv])]
    report = {
        "command": shlex.join(_relative(a) for a in command),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "out": _relative(str(args.out)),
        "machine": machine(),
        "servers": dict(SERVERS),
        "server_threads": args.threads,
        "overrides": args.overrides,
        "requests": args.requests,
        "rounds": args.rounds,
        "bundles": [describe_bundle(b.resolve()) for b in args.bundles],
        "results": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(results, report["bundles"]))
    print("\n".join(["", *verdicts(results, report["bundles"])]))
    if args.doc is not None:
        write_doc(args.doc, doc_section(report))
        print(f"\n(written to {args.out} and {args.doc})")
    else:
        print(f"\n(written to {args.out})")
    return 0


def _relative(arg: str) -> str:
    """``arg`` with this checkout's root stripped, so the command reads the same anywhere."""
    return arg.replace(f"{ROOT}/", "")


if __name__ == "__main__":
    raise SystemExit(main())
