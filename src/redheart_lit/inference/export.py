"""Write an exported bundle from a trained network (the layout: ``inference/bundle.py``).

Takes a :class:`~redheart_lit.tasks.readout.MultiTaskNet`, so it needs no Lightning;
``python -m redheart_lit.export`` builds one from a checkpoint and calls
:func:`export_bundle`. ``format=safetensors`` writes the torch bundle; ``format=onnx``
writes ``model.onnx`` instead of the weights (``inference/onnx/graph.py``), optionally
int8-quantized. Both share every other file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from safetensors.torch import save_model

from redheart_lit.bundle_format import FORMAT, BundleError, digest
from redheart_lit.data.inputs import members_of
from redheart_lit.encoders import load_encoder
from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.readout import MultiTaskNet
from redheart_lit.tasks.spec import EMOTION_LABELS
from redheart_lit.tokenizer import ByteTokenizer

FORMATS = ("safetensors", "onnx")
QUANTIZE = ("none", "int8")


def _encoder_entries(config: ModelConfig) -> list[dict[str, Any]]:
    """The external encoders a model reads, in input order (none for the own tokenizer)."""
    spec = config.encoder
    frozen = spec.frozen or spec.kind == "fused"
    return [
        {"name": m["name"], "revision": m.get("revision"), "frozen": frozen}
        for m in members_of(dataclasses.asdict(spec))
    ]


def check_options(format: str, quantize: str) -> None:  # the CLI key is format=
    """A ``format``/``quantize`` pair :func:`export_bundle` writes; ValueError otherwise."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if quantize not in QUANTIZE:
        raise ValueError(f"quantize must be one of {QUANTIZE}, got {quantize!r}")
    if quantize != "none" and format != "onnx":
        raise ValueError(f"quantize={quantize} needs format=onnx (the torch bundle is fp32)")


def export_bundle(
    net: MultiTaskNet,
    out: str | Path,
    source: str = "",
    format: str = "safetensors",
    quantize: str = "none",
) -> Path:
    """Write the bundle of ``net`` into the empty or new folder ``out``; return ``out``.

    External encoders are loaded once here, to record their identity and hidden size and
    to save their tokenizers. ``source`` names the checkpoint, for the record.
    ``format`` is ``safetensors`` (torch runtime) or ``onnx`` (onnxruntime); ``quantize``
    is ``none`` or ``int8`` (ONNX only: dynamic int8 quantization of the weights).
    """
    check_options(format, quantize)
    net = net.cpu().eval()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"{out}: export folder is not empty; choose a new out=DIR")
    (out / "tokenizer").mkdir(parents=True, exist_ok=True)

    entries = _encoder_entries(net.config)
    loaded = []
    for i, entry in enumerate(entries):
        encoder = load_encoder(entry["name"], entry["revision"])
        loaded.append(encoder)
        entry.update(identity=encoder.identity, hidden_size=encoder.hidden_size)
        entry["tokenizer"] = f"tokenizer/{i}"
        encoder.tokenizer.save_pretrained(out / entry["tokenizer"])
    if not entries:
        tokenizer = ByteTokenizer.from_dict(dataclasses.asdict(net.config.tokenizer))
        (out / "tokenizer" / "tokenizer.json").write_text(json.dumps(tokenizer.to_dict()) + "\n")
    (out / "encoders.json").write_text(json.dumps(entries, indent=2) + "\n")

    meta: dict[str, Any] = {"format": FORMAT}
    if format == "onnx":
        from redheart_lit.inference.onnx.graph import export_onnx

        meta["runtime"] = "onnxruntime"
        meta["onnx"] = export_onnx(net, loaded, out / "model.onnx", quantize)
        model_file = out / "model.onnx"
    else:
        meta["runtime"] = "torch"
        save_model(net, str(out / "model.safetensors"))
        model_file = out / "model.safetensors"

    emotion = dict(net.readouts.items()).get("emotion")  # a ModuleDict has no .get
    thresholds = emotion.thresholds if emotion is not None else None
    table = {
        label: {
            "threshold": float(thresholds.value[i]) if thresholds is not None else 0.5,
            "tuned": bool(thresholds.tuned[i]) if thresholds is not None else False,
        }
        for i, label in enumerate(EMOTION_LABELS)
    }
    fitted = int(thresholds.fitted_rows) if thresholds is not None else 0
    (out / "thresholds.json").write_text(
        json.dumps({"emotion": table, "fitted_on_dev_rows": fitted}, indent=2) + "\n"
    )
    meta |= {
        "version": digest(model_file),
        "source_checkpoint": source,
        "model": net.config.to_dict(),
    }
    (out / "config.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out
