"""Export a checkpoint for production: ``python -m redheart_lit.export ckpt=PATH out=DIR``.

Writes safetensors weights, the resolved model config, the tokenizer files, the tuned
emotion thresholds and the encoders' names and revisions (layout: ``inference/bundle.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from redheart_lit.dotlist import parse
from redheart_lit.inference.bundle import export_checkpoint

USAGE = "usage: python -m redheart_lit.export ckpt=PATH out=DIR"


@dataclass
class ExportArgs:
    ckpt: str = "???"
    out: str = "???"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(ExportArgs, sys.argv[1:] if argv is None else argv, USAGE)
    out = export_checkpoint(args.ckpt, args.out)
    print(f"exported {args.ckpt} -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
