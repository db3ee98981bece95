"""Eager PyTorch vs ONNX Runtime fp32 vs ONNX Runtime int8, served side by side.

    python benchmarks/serve_runtimes.py --model NAME TORCH_DIR ONNX_DIR INT8_DIR
        [--model ...] [--requests 200] [--rounds 2] [--concurrency 1 32] [--threads 1]
        [--out docs/bench/serve_runtimes.json] [--doc docs/benchmarks.md]

For each model, three ``serve.py`` servers run at once, one per runtime, each on its own
bundle (the same checkpoint exported three times) with the default micro-batcher and
``serve.threads``: ``eager`` (``serve.runtime=torch``), ``onnx_fp32`` and ``onnx_int8``
(``serve.runtime=onnxruntime``). The load, the interleaving of rounds and the CPU
accounting are those of ``serve_load.py`` (its :func:`bench_bundle` drives them). The
size of each bundle on disk is recorded too. ``make bench-serve`` runs this after
``serve_load.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from common import ROOT, machine
from serve_load import LevelResult, _relative, bench_bundle, running

RUNTIMES = {
    "eager": ["serve.runtime=torch"],
    "onnx_fp32": ["serve.runtime=onnxruntime"],
    "onnx_int8": ["serve.runtime=onnxruntime"],
}
DOC_BEGIN = "<!-- serve_runtimes.py: begin generated -->"
DOC_END = "<!-- serve_runtimes.py: end generated -->"
DOC_HEADING = "## Serving: eager PyTorch vs ONNX Runtime fp32 / int8 (`make bench-serve`)"


def folder_mib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 2)


@contextlib.contextmanager
def started(
    bundles: dict[str, Path], overrides: list[str], log_root: Path
) -> Iterator[dict[str, tuple[str, int]]]:
    """One server per runtime on its bundle; yields ``{runtime: (url, pid)}``."""
    specs = {name: (b.resolve(), [*RUNTIMES[name], *overrides]) for name, b in bundles.items()}
    with running(ROOT / "serve.py", specs, log_root) as urls:
        yield urls


def markdown(results: list[LevelResult], sizes: dict[str, dict[str, float]]) -> str:
    """One row per model and concurrency: the three runtimes and the ratios to eager."""
    rows = [
        "| model | c | runtime | bundle MiB | req/s | p50 ms | p95 ms | mean batch "
        "| x eager req/s | p95 vs eager |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_key = {(r.bundle, r.server, r.concurrency): r for r in results}
    for model in dict.fromkeys(r.bundle for r in results):
        for level in sorted({r.concurrency for r in results if r.bundle == model}):
            eager = by_key[(model, "eager", level)]
            for name in RUNTIMES:
                r = by_key[(model, name, level)]
                rows.append(
                    f"| {model} | {level} | {name} | {sizes[model][name]} | "
                    f"{r.throughput_rps} | {r.p50_ms} | {r.p95_ms} | {r.mean_batch} | "
                    f"{r.throughput_rps / eager.throughput_rps:.2f} | "
                    f"{r.p95_ms / eager.p95_ms:.2f} |"
                )
    return "\n".join(rows)


def verdicts(results: list[LevelResult]) -> list[str]:
    """The issue's goal, checked: int8 >= 2x eager throughput at the top level, lower p95."""
    lines = []
    for model in dict.fromkeys(r.bundle for r in results):
        level = max(r.concurrency for r in results if r.bundle == model)
        pair = {r.server: r for r in results if r.bundle == model and r.concurrency == level}
        ratio = pair["onnx_int8"].throughput_rps / pair["eager"].throughput_rps
        lower = pair["onnx_int8"].p95_ms < pair["eager"].p95_ms
        met = "met" if ratio >= 2 and lower else "NOT met"
        lines.append(
            f"- {model}, c={level}: ONNX int8 serves {ratio:.2f}x eager's requests/s, p95 "
            f"{pair['onnx_int8'].p95_ms} vs {pair['eager'].p95_ms} ms: goal (>= 2x, lower "
            f"p95) {met}."
        )
    return lines


def doc_section(report: dict) -> str:
    results = [LevelResult(**r) for r in report["results"]]
    host = report["machine"]
    loads = [x for r in results for x in r.loadavg_1m]
    return "\n".join([
        DOC_BEGIN,
        "",
        f"Command: `{report['command']}`. Written on {report['date']}; raw numbers in "
        f"`{report['out']}`.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} CPU cores, torch {host['torch']}. "
        f"All servers: `serve.threads={report['server_threads']}` (torch threads for eager, "
        "onnxruntime intra-op threads for ONNX), micro-batching on, defaults otherwise. "
        f"1-minute load average before each measurement: {min(loads):.2f} to "
        f"{max(loads):.2f}. {report['note']}",
        "",
        f"Load: {report['requests']} single-text requests per server, level and round, "
        f"{report['rounds']} rounds interleaved, distinct texts (no cache hits).",
        "",
        markdown(results, report["sizes"]),
        "",
        *verdicts(results),
        "",
        DOC_END,
    ])  # fmt: skip


def write_doc(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if DOC_BEGIN in text and DOC_END in text:
        head, rest = text.split(DOC_BEGIN, 1)
        text = head + section + rest.split(DOC_END, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{DOC_HEADING}\n\n{section}\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--model", nargs=4, action="append", required=True,
        metavar=("NAME", "TORCH_DIR", "ONNX_DIR", "INT8_DIR"),
    )  # fmt: skip
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--note", default="", help="a sentence for the doc (e.g. contention)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "serve_runtimes.json")
    parser.add_argument("--doc", type=Path, default=None)
    args = parser.parse_args(argv)
    if min(args.requests, args.rounds, args.threads, *args.concurrency) < 1:
        parser.error("--requests, --rounds, --concurrency and --threads must be >= 1")
    results: list[LevelResult] = []
    sizes: dict[str, dict[str, float]] = {}
    for name, *dirs in args.model:
        bundles = dict(zip(RUNTIMES, map(Path, dirs), strict=True))
        for runtime, folder in bundles.items():
            if not (folder / "config.json").is_file():
                parser.error(f"--model {name}: {folder} is not an exported bundle ({runtime})")
        sizes[name] = {runtime: folder_mib(folder) for runtime, folder in bundles.items()}
        with (
            tempfile.TemporaryDirectory(prefix="serve-runtimes-") as log_root,
            started(bundles, [f"serve.threads={args.threads}"], Path(log_root)) as servers,
        ):
            results += asyncio.run(
                bench_bundle(
                    servers, name, args.concurrency, args.requests, args.rounds, repeated=False
                )
            )
    command = ["python", *(sys.argv if argv is None else ["benchmarks/serve_runtimes.py", *argv])]
    report = {
        "command": shlex.join(_relative(a) for a in command),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "out": _relative(str(args.out)),
        "machine": machine(),
        "runtimes": RUNTIMES,
        "server_threads": args.threads,
        "requests": args.requests,
        "rounds": args.rounds,
        "note": args.note,
        "bundles": {name: dict(zip(RUNTIMES, dirs, strict=True)) for name, *dirs in args.model},
        "sizes": sizes,
        "results": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(results, sizes))
    print("\n".join(["", *verdicts(results)]))
    if args.doc is not None:
        write_doc(args.doc, doc_section(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
