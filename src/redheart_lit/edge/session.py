"""An ONNX bundle loaded into an onnxruntime session: texts in, each task's arrays out.

The server (``serve.runtime=onnxruntime``) and the edge runner both use
:func:`load_onnx_bundle`, so a bundle is checked the same way everywhere:

* ``config.json`` has the bundle format and ``runtime: onnxruntime`` (a torch bundle is
  refused, naming its runtime);
* ``model.onnx`` hashes to the version in ``config.json`` (a tampered graph fails);
* the graph's inputs and outputs are the ones ``config.json`` lists, and its outputs
  cover exactly the configured tasks (a graph swapped for another model's fails).

Torch-free: imports numpy, onnxruntime and tokenizers only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from redheart_lit.bundle_format import BundleError, read_json, read_meta
from redheart_lit.edge.tokenize import Arrays, tokenizer_for

FILES = ("model.onnx", "config.json", "thresholds.json", "encoders.json", "tokenizer")


@dataclass
class OnnxSession:
    """A loaded ONNX bundle.

    Attributes:
        meta: ``config.json`` (``meta["model"]`` is the resolved model config).
        thresholds: ``thresholds.json``; encoders: ``encoders.json``.
        tokenize: texts -> the graph's inputs.
    """

    path: Path
    version: str
    meta: dict[str, Any]
    thresholds: dict[str, Any]
    encoders: list[dict[str, Any]]
    tokenize: Callable[[list[str]], Arrays]
    session: Any
    inputs: list[str]
    outputs: list[str]

    def run(self, texts: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """Task -> key -> ``[N, ...]`` float32, as ``TaskReadout.arrays`` gives in torch."""
        feeds = dict(zip(self.inputs, self.tokenize(texts), strict=True))
        values = self.session.run(self.outputs, feeds)
        arrays: dict[str, dict[str, np.ndarray]] = {}
        for name, value in zip(self.outputs, values, strict=True):
            task, key = name.split(".", 1)
            arrays.setdefault(task, {})[key] = value
        return arrays


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own untyped errors for a bad graph
        detail = " ".join(str(err).split())[:400]
        raise BundleError(f"{path}: onnxruntime cannot load the graph ({detail})") from err


def load_onnx_bundle(path: str | Path, threads: int | None = None) -> OnnxSession:
    """Load and check the ONNX bundle in ``path`` (see the module docstring)."""
    folder = Path(path)
    meta = read_meta(folder, "onnxruntime")
    for name in FILES:
        if not (folder / name).exists():
            raise BundleError(f"{folder / name}: missing; the folder is not a complete export")
    where = folder / "config.json"
    try:
        spec, tasks = meta["onnx"], list(meta["model"]["tasks"])
        inputs, outputs, settings = list(spec["inputs"]), list(spec["outputs"]), spec["tokenizer"]
    except (KeyError, TypeError) as err:
        raise BundleError(f"{where}: no onnx section or model tasks ({err!r})") from err
    session = _session(folder / "model.onnx", threads)
    graph_inputs = [i.name for i in session.get_inputs()]
    graph_outputs = [o.name for o in session.get_outputs()]
    if graph_inputs != inputs or sorted(graph_outputs) != sorted(outputs):
        raise BundleError(
            f"{folder / 'model.onnx'}: the graph's inputs {graph_inputs} and outputs "
            f"{graph_outputs} do not match {where} ({inputs}, {outputs})"
        )
    graph_tasks = sorted({name.split(".", 1)[0] for name in outputs})
    if graph_tasks != sorted(tasks):
        raise BundleError(
            f"{folder / 'model.onnx'}: the graph computes tasks {graph_tasks}, but {where} "
            f"configures {sorted(tasks)}"
        )
    encoders = read_json(folder / "encoders.json")
    backend = None
    if settings.get("kind") == "hf":
        from tokenizers import Tokenizer

        if not encoders:
            raise BundleError(f"{folder / 'encoders.json'}: empty, but the graph reads an encoder")
        backend = Tokenizer.from_file(str(folder / encoders[0]["tokenizer"] / "tokenizer.json"))
    try:
        tokenize = tokenizer_for(settings, backend)
    except (KeyError, ValueError) as err:
        raise BundleError(f"{where}: bad onnx.tokenizer section ({err!r})") from err
    return OnnxSession(
        path=folder,
        version=meta["version"],
        meta=meta,
        thresholds=read_json(folder / "thresholds.json"),
        encoders=encoders,
        tokenize=tokenize,
        session=session,
        inputs=inputs,
        outputs=outputs,
    )
