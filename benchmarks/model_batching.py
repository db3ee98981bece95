"""What batching saves the model itself, in process: per-text cost of three ways to run it.

    python benchmarks/model_batching.py logs/export/tiny logs/export/small [--texts 32]

For each exported bundle, the same distinct texts (half English, half Korean GoEmotions
dev texts from ../shared/data or REDHEART_DATA_ROOT, else the project's sample data) go
through the orchestrator's model path (``ProductionOrchestrator._run``, no cache):

* ``single``: one call per text, as the naive server does;
* ``padded``: one call for all texts, every text padded to the longest;
* ``buckets``: ``length_buckets`` calls, as ``analyze_batch`` does.

One thread (``torch.set_num_threads(1)``, as ``serve.threads`` defaults), one warm-up,
then the median of ``--repeats`` timings, side by side in this process. Prints one JSON
object and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
from redheart_lit.inference.orchestrator import length_buckets

ROOT = Path(__file__).resolve().parents[1]


def load_texts(n: int) -> list[str]:
    shared = Path(os.environ.get("REDHEART_DATA_ROOT", ROOT.parent / "shared" / "data"))
    files = [shared / "goemotions" / lang / "dev.tsv" for lang in ("en", "ko")]
    if all(f.is_file() for f in files):
        halves = [[line.split("\t")[0] for line in f.open(encoding="utf-8")] for f in files]
        return halves[0][: n // 2] + halves[1][: n - n // 2]
    rows = [json.loads(line) for line in (ROOT / "data" / "sample" / "val.jsonl").open()]
    return [r["text"] for r in rows][:n]


def median_ms(run: Callable[[], object], repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def per_text_ms(bundle: str, texts: list[str], repeats: int) -> dict[str, float]:
    orch = ProductionOrchestrator(ProductionConfig(bundle, cache_size=0))
    ways: dict[str, Callable[[], object]] = {
        "single": lambda: [orch._run([t]) for t in texts],
        "padded": lambda: orch._run(texts),
        "buckets": lambda: [orch._run(b) for b in length_buckets(texts, 32)],
    }
    return {
        f"{name}_ms_per_text": round(median_ms(run, repeats) / len(texts), 3)
        for name, run in ways.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="+")
    parser.add_argument("--texts", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts = load_texts(args.texts)
    report = {"texts": len(texts), "bytes": sorted(len(t.encode()) for t in texts), "rows": []}
    for bundle in args.bundles:
        row = {"bundle": bundle, **per_text_ms(bundle, texts, args.repeats)}
        report["rows"].append(row)
    print(json.dumps(report))
    print("\n| bundle | single ms/text | one padded call ms/text | length buckets ms/text |")
    print("|---|---:|---:|---:|")
    for r in report["rows"]:
        print(f"| {r['bundle']} | {r['single_ms_per_text']} | {r['padded_ms_per_text']} | "
              f"{r['buckets_ms_per_text']} |")  # fmt: skip


if __name__ == "__main__":
    main()
