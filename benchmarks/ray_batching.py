"""Ray Serve backend: the project's micro-batcher vs ``@serve.batch``, side by side.

    python benchmarks/ray_batching.py BUNDLE [--requests 150] [--rounds 3]
        [--concurrency 1 32] [--threads 1] [--out docs/bench/ray_batching.json]
        [--doc docs/serving.md]

One local Ray cluster (loopback only), one Serve HTTP proxy, and two Serve applications of
the same bundle, each built by ``ray_backend.build_application`` (what ``serve.py
serve.backend=ray`` runs) with one model replica: ``/micro`` with
``serve.ray_batching=micro`` and ``/serve_batch`` with ``serve.ray_batching=serve_batch``.
The proxy, gateway, app, model, threads, ``max_batch_size`` and ``max_wait_ms`` are the
same; only the replica's batcher differs. Both replicas are up for the whole run, but only
one is driven at a time (an idle replica costs nothing).

At each concurrency level it sends ``--requests`` single-text requests of distinct texts
(never repeated, so the result cache never answers) to one app, then fresh texts to the
other, ``--rounds`` times, swapping which goes first: a slow spell of the shared machine
then does not land on one side only. Throughput is all requests over all seconds, p50/p95
over all latencies of all rounds, mean batch is texts per model call from the replica's
``/metrics``. The 1-minute load average is recorded before every measurement.

Results go to ``--out`` as JSON, to stdout as a markdown table, and with ``--doc`` into
the generated part of that file's Ray Serve section (between the markers below).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shlex
import socket
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from common import ROOT, machine, percentile
from serve_load import batch_counts, describe_bundle, drive, make_texts, spread, wait_ready

VARIANTS = ("micro", "serve_batch")
WARMUP_REQUESTS = 32
START_TIMEOUT_S = 300.0
DOC_BEGIN = "<!-- ray_batching.py: begin generated -->"
DOC_END = "<!-- ray_batching.py: end generated -->"


@dataclass
class Row:
    """One batcher at one concurrency level, all rounds together."""

    batching: str
    concurrency: int
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


@dataclass
class _Cell:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)
    calls: float = 0.0
    texts: float = 0.0
    loadavg: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_apps(bundle: Path, threads: int, port: int) -> str:
    """The Ray cluster, the proxy on ``port``, and one application per batcher."""
    import ray
    from ray import serve
    from ray.serve.api import RunTarget, run_many

    from redheart_lit.serving.ray_backend import build_application
    from redheart_lit.serving.settings import ServeSettings

    ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    targets = []
    for variant in VARIANTS:
        settings = ServeSettings(
            backend="ray", replicas=1, threads=threads, ray_batching=variant, port=port
        )
        app = build_application(bundle, settings, None, modality={})  # text only
        targets.append(RunTarget(app, name=variant, route_prefix=f"/{variant}"))
    # Both deployed at once (run_many, Ray's developer API) rather than one serve.run
    # after the other: the replicas load their models in parallel.
    run_many(targets)
    return f"http://127.0.0.1:{port}"


async def measure(url: str, levels: list[int], requests: int, rounds: int) -> list[Row]:
    clients = {v: httpx.AsyncClient(base_url=f"{url}/{v}", timeout=120.0) for v in VARIANTS}
    cells = {(v, c): _Cell() for v in VARIANTS for c in levels}
    try:
        for variant, client in clients.items():
            await wait_ready(client, START_TIMEOUT_S)
            await drive(
                url, make_texts(10_000_000, WARMUP_REQUESTS), 8, path=f"/{variant}/v1/analyze"
            )
        offset = 0
        for round_ in range(rounds):
            for level in levels:
                order = VARIANTS if round_ % 2 == 0 else VARIANTS[::-1]
                for variant in order:
                    texts = make_texts(offset, requests)  # fresh texts: no cache hits
                    offset += requests
                    cell = cells[(variant, level)]
                    cell.loadavg.append(round(os.getloadavg()[0], 2))
                    calls0, texts0 = await batch_counts(clients[variant])
                    latencies, statuses, seconds = await drive(
                        url, texts, level, path=f"/{variant}/v1/analyze"
                    )
                    calls1, texts1 = await batch_counts(clients[variant])
                    cell.latencies += latencies
                    cell.statuses.update(statuses)
                    cell.seconds += seconds
                    cell.rounds.append(round(requests / seconds, 1))
                    cell.calls += calls1 - calls0
                    cell.texts += texts1 - texts0
                    print(
                        f"# {variant} c={level} round {round_ + 1}: {requests / seconds:.1f} req/s",
                        file=sys.stderr, flush=True,
                    )  # fmt: skip
    finally:
        for client in clients.values():
            await client.aclose()
    rows = []
    for (variant, level), cell in cells.items():
        total = len(cell.latencies)
        rows.append(Row(
            batching=variant, concurrency=level, requests=total,
            errors=sum(n for status, n in cell.statuses.items() if status != 200),
            statuses={str(k): v for k, v in sorted(cell.statuses.items())},
            seconds=round(cell.seconds, 3), throughput_rps=round(total / cell.seconds, 1),
            round_throughputs_rps=cell.rounds,
            p50_ms=round(percentile(cell.latencies, 50) * 1000, 1),
            p95_ms=round(percentile(cell.latencies, 95) * 1000, 1),
            mean_batch=round(cell.texts / cell.calls, 1) if cell.calls else 0.0,
            loadavg_1m=cell.loadavg,
        ))  # fmt: skip
    return rows


def markdown(rows: list[Row]) -> str:
    """One line per concurrency: both batchers side by side, and their throughput ratio."""
    by_key = {(r.batching, r.concurrency): r for r in rows}
    lines = [
        "| concurrency | micro req/s | serve_batch req/s | micro / serve_batch "
        "| micro p50 / p95 ms | serve_batch p50 / p95 ms | mean batch (micro / serve_batch) "
        "| errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in sorted({r.concurrency for r in rows}):
        micro, other = by_key[("micro", level)], by_key[("serve_batch", level)]
        lines.append(
            f"| {level} | {micro.throughput_rps:.1f} {spread(micro.round_throughputs_rps)} "
            f"| {other.throughput_rps:.1f} {spread(other.round_throughputs_rps)} "
            f"| {micro.throughput_rps / other.throughput_rps:.2f}x "
            f"| {micro.p50_ms:.1f} / {micro.p95_ms:.1f} | {other.p50_ms:.1f} / {other.p95_ms:.1f} "
            f"| {micro.mean_batch:.1f} / {other.mean_batch:.1f} | {micro.errors + other.errors} |"
        )
    return "\n".join(lines)


def doc_section(report: dict) -> str:
    """The generated part of docs/serving.md's Ray Serve batching paragraph."""
    rows = [Row(**r) for r in report["rows"]]
    host = report["machine"]
    loads = [x for r in rows for x in r.loadavg_1m]
    bundle = report["bundle"]
    return "\n".join([
        DOC_BEGIN,
        "",
        f"Command: `{report['command']}` (what `make bench-ray` runs), on {report['date']}; "
        f"raw numbers in `{report['out']}`. Bundle: `{bundle['name']}` "
        f"({bundle.get('weights_mb')} MB of weights). One model replica per batcher, "
        f"`serve.threads={report['threads']}`, the other `serve.*` keys at their defaults "
        f"(`max_batch_size` 32, `max_wait_ms` 5). {report['requests']} single-text requests "
        f"per batcher, level and round, {report['rounds']} interleaved rounds; req/s "
        "(min–max over rounds).",
        "",
        f"Machine: {host['cpu']}, {host['cores']} CPU cores, no GPU used; the load "
        "generator runs on the same cores. 1-minute load average before each measurement: "
        f"{min(loads):.2f} to {max(loads):.2f}.",
        "",
        markdown(rows),
        "",
        DOC_END,
    ])  # fmt: skip


def write_doc(path: Path, section: str) -> None:
    """Replace the generated part of ``path`` between the markers (they must be there)."""
    text = path.read_text()
    if DOC_BEGIN not in text or DOC_END not in text:
        raise ValueError(f"{path} has no {DOC_BEGIN} ... {DOC_END} markers to write between")
    head, rest = text.split(DOC_BEGIN, 1)
    path.write_text(head + section + rest.split(DOC_END, 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("bundle", type=Path, help="an exported bundle directory")
    parser.add_argument("--requests", type=int, default=150, help="per batcher, level and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--threads", type=int, default=1, help="serve.threads of both replicas")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "ray_batching.json")
    parser.add_argument("--doc", type=Path, default=None, help="markdown file to write into")
    args = parser.parse_args(argv)
    if not (args.bundle / "config.json").is_file():
        parser.error(f"{args.bundle} is not an exported bundle (no config.json)")
    if min(args.requests, args.rounds, args.threads, *args.concurrency) < 1:
        parser.error("--requests, --rounds, --concurrency and --threads must be >= 1")

    from ray import serve

    started = time.perf_counter()
    try:
        url = start_apps(args.bundle.resolve(), args.threads, _free_port())
        print(f"# both apps up after {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = asyncio.run(measure(url, args.concurrency, args.requests, args.rounds))
    finally:
        import ray

        serve.shutdown()
        ray.shutdown()
    command = ["python", *(sys.argv if argv is None else ["benchmarks/ray_batching.py", *argv])]
    report = {
        "command": shlex.join(a.replace(f"{ROOT}/", "") for a in command),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "out": str(args.out).replace(f"{ROOT}/", ""),
        "wall_s": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "bundle": describe_bundle(args.bundle.resolve()),
        "threads": args.threads,
        "requests": args.requests,
        "rounds": args.rounds,
        "rows": [asdict(r) for r in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(rows))
    if args.doc is not None:
        write_doc(args.doc, doc_section(report))
    print(f"\n(written to {args.out}{f' and {args.doc}' if args.doc else ''})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
