"""Analyse texts on a device with only onnxruntime, tokenizers and numpy installed.

::

    python -m redheart_lit.edge.run bundle=DIR text="I lied to my friend."

Prints one JSON result per text. The result is the model's arrays, named as in the
bundle (``<task>.<key>``, rows as lists), plus the emotion labels at or above their
dev-tuned thresholds (``thresholds.json``): the server's full result (Ekman groups,
Korean composites, integrated fields) is built by task code that needs torch, so the edge
gives what a device needs to act on and leaves the rest to the server. See docs/edge.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from redheart_lit.edge.session import OnnxSession, load_onnx_bundle

USAGE = 'usage: python -m redheart_lit.edge.run bundle=DIR text="..." [text="..."]'


def analyse(bundle: OnnxSession, texts: list[str]) -> list[dict[str, Any]]:
    """One result per text, in order (texts are used as given: validate them upstream)."""
    arrays = bundle.run(texts)
    results: list[dict[str, Any]] = [
        {"model_version": bundle.version, "outputs": {}} for _ in texts
    ]
    for task, keys in arrays.items():
        for key, value in keys.items():
            for i, row in enumerate(value.tolist()):
                results[i]["outputs"][f"{task}.{key}"] = row
    if "emotion" in arrays:
        table = bundle.thresholds["emotion"]
        names = list(table)
        cut = np.array([table[name]["threshold"] for name in names])
        for i, row in enumerate(arrays["emotion"]["emotion"] >= cut):
            results[i]["emotion_labels"] = [n for n, on in zip(names, row, strict=True) if on]
    return results


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    folder, texts = None, []
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or key not in ("bundle", "text"):
            print(f"{USAGE}\nunexpected argument {arg!r}", file=sys.stderr)
            raise SystemExit(2)
        if key == "bundle":
            folder = value
        else:
            texts.append(value)
    if folder is None or not texts:
        print(USAGE, file=sys.stderr)
        raise SystemExit(2)
    for result in analyse(load_onnx_bundle(Path(folder)), texts):
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
