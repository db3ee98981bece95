"""Export a checkpoint for production: ``python -m redheart_lit.cli.export ckpt=PATH out=DIR``.

Writes safetensors weights, the resolved model config, the tokenizer files, the tuned
emotion thresholds and the encoders' names and revisions (layout: ``inference/bundle.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from redheart_lit.cli.dotlist import parse
from redheart_lit.inference.export import export_bundle
from redheart_lit.training.checkpoint import load_checkpoint, to_net

USAGE = "usage: python -m redheart_lit.cli.export ckpt=PATH out=DIR"


@dataclass
class ExportArgs:
    ckpt: str = "???"
    out: str = "???"


def export_checkpoint(ckpt: str | Path, out: str | Path) -> Path:
    """Write the bundle of Lightning checkpoint ``ckpt`` (read with ``weights_only=True``)."""
    net = to_net(load_checkpoint(ckpt))
    return export_bundle(net, out, source=str(Path(ckpt).resolve()))


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(ExportArgs, sys.argv[1:] if argv is None else argv, USAGE)
    out = export_checkpoint(args.ckpt, args.out)
    print(f"exported {args.ckpt} -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
