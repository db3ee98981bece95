"""Load test of ``serve.py``: micro-batched server vs the naive one, on exported bundles.

    python benchmarks/serve_load.py BUNDLE [BUNDLE ...] [--requests 200]
        [--concurrency 1 8 32] [--repeated] [--out docs/bench/serve.json]

For each bundle it starts ``serve.py ckpt=BUNDLE serve.port=0`` as a subprocess (its own
process group, on a free loopback port read from the line it prints), waits for
``/ready``, and drives it from this process — a separate one — with asyncio + httpx:
at each concurrency level, ``--requests`` single-text requests of distinct English and
Korean texts (``--repeated``: a pool of 8 texts, to see the cache). It records throughput
(req/s) and p50/p95 latency, then does the same against the naive server
(``serve.batching=false serve.cache_size=0``). Results go to ``--out`` as JSON and to
stdout as a markdown table. Traffic goes to 127.0.0.1 only; every loop is bounded.

The load generator shares the machine with the server: on a 2-core box the numbers
compare the two servers with each other, not with a dedicated client. The server runs
with ``--threads`` intra-op threads (OMP_NUM_THREADS, default 1): with torch's default of
one per core, its threads wait on the generator's (and on any other job's) at every
parallel region, and a tiny model's 3 ms call turned into 600 ms on a busy machine. The
1-minute load average is recorded with every level, so a noisy run shows as one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import queue
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SERVERS: dict[str, list[str]] = {
    "batched": [],
    "naive": ["serve.batching=false", "serve.cache_size=0"],
}
# Loading a model can take a while on a busy CPU; a server that is not up by then is broken.
START_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 120.0
WARMUP_REQUESTS = 8

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


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LevelResult:
    """One concurrency level against one server."""

    bundle: str
    server: str
    texts: str
    concurrency: int
    requests: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    loadavg_1m: float


class Server:
    """``serve.py`` in its own process group; stdout is read for the port line."""

    def __init__(
        self, serve_script: Path, bundle: Path, overrides: list[str], log_dir: Path, threads: int
    ) -> None:
        self.log_path = log_dir / "server.log"
        self._log = self.log_path.open("w")
        self.command = [
            sys.executable, str(serve_script), f"ckpt={bundle}", "serve.port=0",
            f"hydra.run.dir={log_dir}", *overrides,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=ROOT,
            env={**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)},
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


async def drive(
    client: httpx.AsyncClient, texts: list[str], concurrency: int
) -> tuple[list[float], Counter[int], float]:
    """Send one request per text with ``concurrency`` in flight; latencies (s), statuses, wall time."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    pending = iter(texts)

    async def worker() -> None:
        for text in pending:  # the shared iterator hands each text to one worker
            start = time.perf_counter()
            response = await client.post("/v1/analyze", json={"text": text})
            latencies.append(time.perf_counter() - start)
            statuses[response.status_code] += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - start


async def bench_server(
    url: str, bundle: str, server: str, levels: list[int], requests: int, repeated: bool
) -> list[LevelResult]:
    limits = httpx.Limits(max_connections=max(levels), max_keepalive_connections=max(levels))
    results = []
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        await wait_ready(client, START_TIMEOUT_S)
        # Warm-up texts are never measured and never reused (no cache hits from them).
        await drive(client, make_texts(10_000_000, WARMUP_REQUESTS), 1)
        offset = 0
        for level in levels:
            if repeated:
                pool = make_texts(0, 8)
                texts = [pool[i % len(pool)] for i in range(requests)]
            else:
                texts = make_texts(offset, requests)
                offset += requests
            loadavg = os.getloadavg()[0]
            latencies, statuses, seconds = await drive(client, texts, level)
            errors = sum(n for status, n in statuses.items() if status != 200)
            results.append(LevelResult(
                bundle=bundle, server=server, texts="repeated" if repeated else "distinct",
                concurrency=level, requests=requests, errors=errors,
                statuses={str(k): v for k, v in sorted(statuses.items())}, seconds=round(seconds, 3),
                throughput_rps=round(requests / seconds, 2),
                p50_ms=round(percentile(latencies, 50) * 1000, 2),
                p95_ms=round(percentile(latencies, 95) * 1000, 2), loadavg_1m=round(loadavg, 2),
            ))  # fmt: skip
    return results


def run_bundle(
    serve_script: Path, bundle: Path, levels: list[int], requests: int, repeated: bool, threads: int
) -> list[LevelResult]:
    results: list[LevelResult] = []
    for server_name, overrides in SERVERS.items():
        with tempfile.TemporaryDirectory(prefix=f"serve-bench-{server_name}-") as log_dir:
            server = Server(serve_script, bundle, overrides, Path(log_dir), threads)
            try:
                url = server.wait_url(START_TIMEOUT_S)
                print(f"# {bundle} {server_name}: {url}", file=sys.stderr, flush=True)
                results += asyncio.run(
                    bench_server(url, str(bundle), server_name, levels, requests, repeated)
                )
            except Exception:
                server.stop()
                sys.stderr.write(server.log_path.read_text()[-4000:])
                raise
            server.stop()
    return results


def markdown(results: list[LevelResult]) -> str:
    """One row per bundle, server and level, with the batched/naive throughput ratio."""
    naive = {(r.bundle, r.concurrency): r.throughput_rps for r in results if r.server == "naive"}
    lines = [
        "| bundle | server | texts | concurrency | req/s | p50 ms | p95 ms | errors | vs naive |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = naive.get((r.bundle, r.concurrency))
        ratio = f"{r.throughput_rps / base:.2f}x" if base else "-"
        lines.append(
            f"| {Path(r.bundle).name} | {r.server} | {r.texts} | {r.concurrency} | {r.throughput_rps:.1f} "
            f"| {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.errors} | {ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("bundles", nargs="+", type=Path, help="exported bundle directories")
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--repeated", action="store_true", help="cycle 8 texts instead of distinct ones"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="the server's intra-op threads (OMP_NUM_THREADS)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "serve.json")
    parser.add_argument(
        "--serve", type=Path, default=ROOT / "serve.py", help="the server script (tests use a fake)"
    )
    args = parser.parse_args(argv)
    for bundle in args.bundles:
        if not bundle.is_dir():
            parser.error(
                f"{bundle} is not a directory; export a model first (make bench-serve says how)"
            )
    if args.requests < 1 or min(args.concurrency) < 1 or args.threads < 1:
        parser.error("--requests, --concurrency and --threads must be >= 1")

    results: list[LevelResult] = []
    for bundle in args.bundles:
        results += run_bundle(
            args.serve,
            bundle.resolve(),
            args.concurrency,
            args.requests,
            args.repeated,
            args.threads,
        )
    report = {
        "command": shlex.join([sys.executable.rsplit("/", 1)[-1], *sys.argv])
        if argv is None
        else shlex.join(argv),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "servers": dict(SERVERS),
        "server_threads": args.threads,
        "results": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(results))
    print(f"\n(written to {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
