"""Export a checkpoint for production: ``python -m redheart_lit.export ckpt=PATH out=DIR``
(or ``python -m redheart_lit.cli.export``), ``[format=onnx] [quantize=int8]``.

Writes safetensors weights (or, with ``format=onnx``, the whole inference graph as
``model.onnx``), the resolved model config, the tokenizer files, the tuned emotion
thresholds and the encoders' names and revisions (layout: ``inference/bundle.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from redheart_lit.cli.dotlist import parse
from redheart_lit.inference.export import check_options, export_bundle
from redheart_lit.training.checkpoint import load_checkpoint, to_net

USAGE = (
    "usage: python -m redheart_lit.export ckpt=PATH out=DIR [format=safetensors|onnx] "
    "[quantize=none|int8] [reference=RECORDS.jsonl]"
)


@dataclass
class ExportArgs:
    ckpt: str = "???"
    out: str = "???"
    format: str = "safetensors"
    quantize: str = "none"
    # Records (JSONL) the model was trained on: their predicted Ekman-group shares go into
    # reference.json, the server's baseline for drift (inference/reference.py). Empty: none.
    reference: str = ""


def export_checkpoint(
    ckpt: str | Path,
    out: str | Path,
    format: str = "safetensors",  # the CLI key is format=
    quantize: str = "none",
    reference: str | Path = "",
) -> Path:
    """Write the bundle of Lightning checkpoint ``ckpt`` (read with ``weights_only=True``),
    with ``reference.json`` when ``reference`` names a records file."""
    check_options(format, quantize)  # before the checkpoint loads
    net = to_net(load_checkpoint(ckpt))
    bundle = export_bundle(
        net, out, source=str(Path(ckpt).resolve()), format=format, quantize=quantize
    )
    if reference:
        add_reference(bundle, Path(reference))
    return bundle


def add_reference(bundle: Path, records: Path) -> None:
    """Predict ``records``' texts with the exported bundle, as the server would, and store
    their Ekman-group shares in the bundle."""
    from redheart_lit.bundle_format import read_json
    from redheart_lit.data import load_jsonl
    from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
    from redheart_lit.inference.reference import write_reference

    texts = [record.text for record in load_jsonl(records)]
    # The runtime the bundle was just exported for (an ONNX bundle refuses the torch one).
    runtime = read_json(bundle / "config.json")["runtime"]
    orchestrator = ProductionOrchestrator(
        ProductionConfig(model_dir=str(bundle), cache_size=0, runtime=runtime)
    )
    write_reference(bundle, orchestrator.analyze_batch, texts, records)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(ExportArgs, sys.argv[1:] if argv is None else argv, USAGE)
    try:
        out = export_checkpoint(args.ckpt, args.out, args.format, args.quantize, args.reference)
    except ValueError as err:  # a bad format/quantize value
        print(f"error: {err}\n{USAGE}", file=sys.stderr)
        raise SystemExit(2) from err
    print(f"exported {args.ckpt} -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
