"""Analyse one text from the shell: ``python -m redheart_lit.cli.predict ckpt=DIR text="..."``.

``ckpt`` is an exported model folder (``python -m redheart_lit.cli.export``). Prints the
orchestrator's result as JSON on stdout and nothing else; errors go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from redheart_lit.cli.dotlist import parse
from redheart_lit.inference import InputError, ProductionConfig, ProductionOrchestrator

USAGE = (
    'usage: python -m redheart_lit.cli.predict ckpt=DIR text="..." [device=cpu] [max_chars=2000]'
    " [runtime=torch|onnxruntime]"
)


@dataclass
class PredictArgs:
    ckpt: str = "???"
    text: str = "???"
    device: str = "cpu"
    max_chars: int = 2000
    runtime: str = "torch"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(PredictArgs, sys.argv[1:] if argv is None else argv, USAGE)
    config = ProductionConfig(
        model_dir=args.ckpt,
        device=args.device,
        max_chars=args.max_chars,
        cache_size=0,
        runtime=args.runtime,
    )
    orchestrator = ProductionOrchestrator(config)
    try:
        result = asyncio.run(orchestrator.process(text=args.text))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
