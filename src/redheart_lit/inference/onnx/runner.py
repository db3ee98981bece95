"""What the orchestrator runs in place of the torch model for ``runtime=onnxruntime``.

The graph (:mod:`redheart_lit.edge.session`) computes every array a result is made of;
the task readouts, built from the bundle's config but never run, shape those arrays with
the same ``section`` code as the torch path, so both runtimes give one result schema.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from redheart_lit.bundle_format import BundleError
from redheart_lit.edge.session import load_onnx_bundle
from redheart_lit.encoders import unk_rates
from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.readout import TaskReadout, build_readout
from redheart_lit.tasks.spec import EMOTION_LABELS


class OnnxRunner:
    """Args:
    model_dir: a ``format=onnx`` bundle.
    threads: onnxruntime intra-op threads; None: one per core.
    """

    def __init__(self, model_dir: str | Path, threads: int | None) -> None:
        self.session = load_onnx_bundle(model_dir, threads)
        self.version = self.session.version
        where = self.session.path / "config.json"
        try:
            self.config = ModelConfig.from_dict(self.session.meta["model"])
        except (KeyError, ValueError) as err:
            raise BundleError(f"{where}: bad model config ({err})") from err
        self.readouts: dict[str, TaskReadout] = {
            name: build_readout(name, self.config).eval() for name in self.config.tasks
        }
        if "emotion" in self.readouts:
            _load_thresholds(self.readouts["emotion"], self.session.thresholds, where)
        _load_outside_graph(self.readouts, self.session.meta["onnx"], where)
        from redheart_lit.inference.bundle import load_tokenizer

        folder = self.session.path
        tokenizers = [
            load_tokenizer(folder / entry["tokenizer"]) for entry in self.session.encoders
        ]
        self.unk_rates = unk_rates(tokenizers)

    def run(self, texts: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """Task -> key -> ``[N, ...]`` arrays, as ``TaskReadout.arrays`` gives in torch."""
        return self.session.run(texts)


def _load_outside_graph(readouts: dict[str, TaskReadout], onnx_meta: dict, where: Path) -> None:
    """The readout parameters a result reads outside the graph (``outside_graph``, e.g. the
    Bentham utility weights the cultural utility reweights), exactly those, from
    ``config.json``'s ``onnx.readout_parameters``."""
    expected = {f"{task}.{key}" for task, r in readouts.items() for key in r.outside_graph}
    table = onnx_meta.get("readout_parameters")
    if not isinstance(table, dict) or set(table) != expected:
        found = sorted(table) if isinstance(table, dict) else table
        raise BundleError(
            f"{where}: onnx.readout_parameters must hold {sorted(expected)}, found {found}; "
            "re-export the checkpoint with this version (python -m redheart_lit.export)"
        )
    for name, values in table.items():
        task, key = name.split(".", 1)
        parameter = readouts[task].get_parameter(key)
        value = torch.tensor(values, dtype=parameter.dtype)
        if value.shape != parameter.shape:
            raise BundleError(
                f"{where}: onnx.readout_parameters.{name} has shape {tuple(value.shape)}, "
                f"the model's config gives {tuple(parameter.shape)}"
            )
        with torch.no_grad():
            parameter.copy_(value)


def _load_thresholds(readout: TaskReadout, table: dict, where: Path) -> None:
    """The emotion readout's decision thresholds from ``thresholds.json`` (the torch
    bundle holds them in its weights; the ONNX graph stops at the probabilities)."""
    thresholds = getattr(readout, "thresholds", None)
    if thresholds is None:  # calibration off: the readout decides at 0.5
        return
    try:
        rows = [table["emotion"][label] for label in EMOTION_LABELS]
        values = torch.tensor([round(row["threshold"] * 100) for row in rows])
        tuned = torch.tensor([bool(row["tuned"]) for row in rows])
        fitted = int(table["fitted_on_dev_rows"])
    except (KeyError, TypeError) as err:
        raise BundleError(f"{where.parent / 'thresholds.json'}: incomplete ({err!r})") from err
    thresholds.hundredths.copy_(values)
    thresholds.tuned.copy_(tuned)
    thresholds.fitted_rows.fill_(fitted)
