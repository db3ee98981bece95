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
    "[quantize=none|int8]"
)


@dataclass
class ExportArgs:
    ckpt: str = "???"
    out: str = "???"
    format: str = "safetensors"
    quantize: str = "none"


def export_checkpoint(
    ckpt: str | Path,
    out: str | Path,
    format: str = "safetensors",  # the CLI key is format=
    quantize: str = "none",
) -> Path:
    """Write the bundle of Lightning checkpoint ``ckpt`` (read with ``weights_only=True``)."""
    check_options(format, quantize)  # before the checkpoint loads
    net = to_net(load_checkpoint(ckpt))
    return export_bundle(
        net, out, source=str(Path(ckpt).resolve()), format=format, quantize=quantize
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(ExportArgs, sys.argv[1:] if argv is None else argv, USAGE)
    try:
        out = export_checkpoint(args.ckpt, args.out, args.format, args.quantize)
    except ValueError as err:  # a bad format/quantize value
        print(f"error: {err}\n{USAGE}", file=sys.stderr)
        raise SystemExit(2) from err
    print(f"exported {args.ckpt} -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
