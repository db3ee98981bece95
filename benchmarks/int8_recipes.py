"""Which int8 recipe keeps the emotion decisions: each one applied to an fp32 ONNX bundle.

    python benchmarks/int8_recipes.py BUNDLE [--dev-rows 512] [--recipes a,b,...]

``BUNDLE`` is a ``format=onnx`` export (fp32). Each recipe is one set of
``onnxruntime.quantization`` options applied to its ``model.onnx``; the script prints the
share of the N x 28 emotion decisions (probability at or above its tuned threshold) the
quantized graph shares with the fp32 one, on the sample set and, with ``--dev-rows``,
the first GoEmotions dev texts from ../shared/data. docs/edge.md ("Accuracy") quotes
its output; ``adopted`` is what ``quantize=int8`` exports (``int8_nodes``).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from common import ROOT
from onnxruntime.quantization import QuantType, quantize_dynamic

from redheart_lit.edge.session import load_onnx_bundle
from redheart_lit.inference.onnx.graph import _scopes, int8_nodes
from redheart_lit.tasks.spec import EMOTION_LABELS


def node_sets(model: onnx.ModelProto) -> dict[str, list[str]]:
    """Named groups of nodes the recipes quantize."""
    weights = {init.name for init in model.graph.initializer}
    products = [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    trunk = [
        n.name for n in products
        if "net.readouts" not in _scopes(n) and "kalman" not in _scopes(n)
    ]  # fmt: skip
    analyzers = [n.name for n in products if ".analyzer.stack" in _scopes(n)]
    return {"trunk": trunk, "analyzers": analyzers, "adopted": int8_nodes(model)}


def recipes(fp32: Path, nodes: dict[str, list[str]]) -> dict[str, Callable[[Path], None]]:
    def dynamic(names: list[str], **options) -> Callable[[Path], None]:
        ops = sorted({n.op_type for n in model.graph.node if n.name in set(names)})
        return lambda out: quantize_dynamic(
            fp32, out, op_types_to_quantize=ops, nodes_to_quantize=names, **options
        )

    model = onnx.load(str(fp32))
    s8, u8 = QuantType.QInt8, QuantType.QUInt8
    both = nodes["trunk"] + nodes["analyzers"]
    return {
        "trunk_s8": dynamic(nodes["trunk"], weight_type=s8),
        "trunk_s8_per_channel": dynamic(nodes["trunk"], weight_type=s8, per_channel=True),
        "trunk_s8_reduce_range": dynamic(nodes["trunk"], weight_type=s8, reduce_range=True),
        "trunk_u8": dynamic(nodes["trunk"], weight_type=u8),
        "analyzers_s8": dynamic(both, weight_type=s8),
        "analyzers_s8_reduce_range": dynamic(both, weight_type=s8, reduce_range=True),
        "analyzers_u8": dynamic(both, weight_type=u8),
        "adopted": dynamic(nodes["adopted"], weight_type=u8),
    }


def texts(dev_rows: int) -> tuple[list[str], int]:
    rows = []
    for split in ("train", "val", "test"):
        path = ROOT / "data" / "sample" / f"{split}.jsonl"
        rows += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    n_sample = len(rows)
    if dev_rows:
        path = ROOT.parent / "shared" / "data" / "goemotions" / "en" / "dev.tsv"
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            rows += [row[0] for row, _ in zip(reader, range(dev_rows), strict=False)]
    return rows, n_sample


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--dev-rows", type=int, default=0)
    parser.add_argument("--recipes", default="", help="comma-separated; default: all")
    args = parser.parse_args(argv)
    bundle = load_onnx_bundle(args.bundle, threads=1)
    table = bundle.thresholds["emotion"]
    thresholds = np.array([table[label]["threshold"] for label in EMOTION_LABELS])
    rows, n_sample = texts(args.dev_rows)
    feeds = [
        dict(zip(bundle.inputs, bundle.tokenize(rows[i : i + 32]), strict=True))
        for i in range(0, len(rows), 32)
    ]

    def probabilities(path: Path) -> np.ndarray:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return np.concatenate([session.run(["emotion.emotion"], f)[0] for f in feeds])

    fp32 = args.bundle / "model.onnx"
    reference = probabilities(fp32) >= thresholds
    all_recipes = recipes(fp32, node_sets(onnx.load(str(fp32))))
    chosen = args.recipes.split(",") if args.recipes else list(all_recipes)
    print(f"{n_sample} sample texts, {len(rows) - n_sample} dev texts")
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            out = Path(tmp) / f"{name}.onnx"
            all_recipes[name](out)
            same = (probabilities(out) >= thresholds) == reference
            dev = f"{same[n_sample:].mean():.4f}" if args.dev_rows else "-"
            print(
                f"{name:28s} sample {same[:n_sample].mean():.4f} dev {dev} "
                f"size {out.stat().st_size / 2**20:.2f} MiB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
