"""Analyse one text from the shell: ``python -m redheart_lit.cli.predict ckpt=DIR text="..."``.

``ckpt`` is an exported model folder (``python -m redheart_lit.cli.export``). Prints the
orchestrator's result as JSON on stdout and nothing else; errors go to stderr.

With ``image=PATH`` (FER weights: ``fer_weights=``), ``audio=PATH`` or biosignal CSVs
(``ecg=``, ``ppg=``, ``eda=``, ``rsp=``: one column of samples, an optional header line,
at ``sampling_rate=`` Hz) the matching encoders run too and ``text`` may be left out
(docs/multimodal.md). ``python -m redheart_lit.predict`` is the same command.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from redheart_lit.cli.dotlist import parse
from redheart_lit.ethics.culture import check_culture
from redheart_lit.inference import InputError, ProductionConfig, ProductionOrchestrator
from redheart_lit.modalities.base import ModalityError

USAGE = (
    'usage: python -m redheart_lit.cli.predict ckpt=DIR [text="..."] [image=PATH] [audio=PATH] '
    "[ecg|ppg|eda|rsp=PATH.csv sampling_rate=HZ] [device=cpu] [max_chars=2000]"
    " [culture=none|western|eastern|korean]"
    " [runtime=torch|onnxruntime]"
)
SIGNALS = ("ecg", "ppg", "eda", "rsp")


@dataclass
class PredictArgs:
    ckpt: str = "???"
    text: str | None = None
    device: str = "cpu"
    max_chars: int = 2000
    # Cultural weights of the Bentham utility (docs/culture.md).
    culture: str = "none"
    runtime: str = "torch"
    image: str | None = None
    fer_weights: str = str(Path.home() / ".cache/redheart_lit/fer/active_model.pth")
    audio: str | None = None
    ecg: str | None = None
    ppg: str | None = None
    eda: str | None = None
    rsp: str | None = None
    sampling_rate: float | None = None


def read_signal(path: str) -> np.ndarray:
    """One column of numbers; an optional header line; errors name the file and line."""
    values = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        cell = line.split(",")[0].strip()
        if not cell:
            continue
        try:
            values.append(float(cell))
        except ValueError:
            if number == 1:
                continue  # a header
            raise InputError(f"{path}:{number}: {cell!r} is not a number") from None
    return np.asarray(values)


def media_inputs(args: PredictArgs) -> tuple[dict[str, Any], dict[str, Any]]:
    """The orchestrator's keyword arguments and the ``modality`` config they need."""
    inputs: dict[str, Any] = {}
    config: dict[str, Any] = {}
    if args.image is not None:
        inputs["image"] = Path(args.image).read_bytes()
        config["image"] = {"kind": "fer", "weights": args.fer_weights}
    if args.audio is not None:
        inputs["audio"] = Path(args.audio).read_bytes()
        config["audio"] = {"kind": "prosody"}
    signals = {name: read_signal(path) for name in SIGNALS if (path := getattr(args, name))}
    if signals:
        inputs["biosignals"] = signals | {"sampling_rate": args.sampling_rate}
        config["biosignals"] = {"kind": "neurokit"}
    return inputs, config


def main(argv: Sequence[str] | None = None) -> None:
    from redheart_lit.modalities import build_modalities

    args = parse(PredictArgs, sys.argv[1:] if argv is None else argv, USAGE)
    try:
        check_culture(args.culture)  # before the model loads
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    config = ProductionConfig(
        model_dir=args.ckpt,
        device=args.device,
        max_chars=args.max_chars,
        cache_size=0,
        runtime=args.runtime,
    )
    try:
        inputs, modality = media_inputs(args)
        if args.text is None and not inputs:
            raise InputError("give text= or at least one of image=, audio=, ecg=, ppg=, eda=, rsp=")
        orchestrator = ProductionOrchestrator(config, build_modalities(modality))
        # The culture is the request's, as a server's client sets it per request.
        result = asyncio.run(orchestrator.process(text=args.text, culture=args.culture, **inputs))
    except (InputError, ModalityError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
