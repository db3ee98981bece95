"""The exported model: a folder that production loads without Lightning, Hydra or pickle.

Layout (written by :func:`redheart_lit.inference.export.export_bundle`, read by
:func:`load_bundle`)::

    model.safetensors   the MultiTaskNet weights (temperatures and thresholds included)
                        (an ONNX bundle has model.onnx instead: ``inference/onnx``)
    config.json         format tag, runtime, the resolved model config, the version
                        (digest of the model file)
    thresholds.json     the 28 emotion decision thresholds tuned on dev, per label
    encoders.json       name, revision, identity and hidden size of each external encoder
    tokenizer/          own: tokenizer.json; external: tokenizer/<i>/ per encoder

Loading is strict: every file must be there, every weight key must match, the weights
must hash to the version in ``config.json``, and each external encoder must load with the
hidden size and identity it was trained with. Any failure names the file or encoder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.torch import load_model

from redheart_lit.bundle_format import BundleError, read_json, read_meta
from redheart_lit.data.inputs import text_encoder
from redheart_lit.encoders import EncoderLoadError, LoadedEncoder, load_encoder, unk_rates
from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.readout import MultiTaskNet
from redheart_lit.tokenizer import Encoding

FILES = ("model.safetensors", "config.json", "thresholds.json", "encoders.json", "tokenizer")


@dataclass
class Bundle:
    """A loaded bundle: the model in eval mode and the callable that encodes its input."""

    path: Path
    version: str
    model: MultiTaskNet
    encode: Callable[[list[str]], Encoding]
    encoders: list[dict[str, Any]]
    thresholds: dict[str, Any]
    # Per text and encoder, the share of its tokens the encoder's tokenizer could not read.
    unk_rates: Callable[[list[str]], np.ndarray]


def _load_member(entry: dict[str, Any], folder: Path, index: int, tokenizer: Any) -> LoadedEncoder:
    """Encoder ``entry`` by name, with the tokenizer saved at export; sizes must match."""
    loaded = load_encoder(entry["name"], entry.get("revision"))
    where = f"{folder / 'encoders.json'} entry {index}"
    if loaded.hidden_size != entry["hidden_size"]:
        raise EncoderLoadError(
            f"encoder {entry['name']!r} has hidden size {loaded.hidden_size}, but the "
            f"checkpoint was trained with {entry['hidden_size']} ({where})"
        )
    if loaded.identity != entry["identity"]:
        raise EncoderLoadError(
            f"encoder {entry['name']!r} is not the one the model was trained with: loaded "
            f"{loaded.identity}, expected {entry['identity']} ({where}); pin its revision"
        )
    return dataclasses.replace(loaded, tokenizer=tokenizer)


def load_bundle(path: str | Path, device: str = "cpu") -> Bundle:
    """Load an exported bundle onto ``device``; see the module docstring for the checks."""
    folder = Path(path)
    meta = read_meta(folder, "torch")
    for name in FILES:
        if not (folder / name).exists():
            raise BundleError(f"{folder / name}: missing; the folder is not a complete export")
    version = meta["version"]
    try:
        config = ModelConfig.from_dict(meta["model"])
    except (KeyError, ValueError) as err:
        raise BundleError(f"{folder / 'config.json'}: bad model config ({err})") from err
    model = MultiTaskNet(config)
    try:
        load_model(model, str(folder / "model.safetensors"), strict=True)
    except (RuntimeError, SafetensorError) as err:
        detail = " ".join(str(err).split())[:600]
        raise BundleError(
            f"{folder / 'model.safetensors'}: does not fit the config ({detail})"
        ) from err
    model = model.to(device).eval()

    entries = read_json(folder / "encoders.json")
    spec = config.encoder
    # Each external encoder's tokenizer as saved at export, loaded once: the encoder reads
    # through it, and the unknown-token rate is counted with it.
    tokenizers = [load_tokenizer(folder / entry["tokenizer"]) for entry in entries]

    def load(index: int, _member: dict[str, Any]) -> LoadedEncoder:
        member = _load_member(entries[index], folder, index, tokenizers[index])
        member.model.to(device)
        return member

    def saved_tokenizer(index: int, _member: dict[str, Any]) -> Any:
        return tokenizers[index]

    tokenizer = read_json(folder / "tokenizer" / "tokenizer.json") if spec.kind == "own" else {}
    encode = text_encoder(
        tokenizer, dataclasses.asdict(spec), None, load=load, load_tokenizer=saved_tokenizer
    )
    thresholds = read_json(folder / "thresholds.json")
    return Bundle(folder, version, model, encode, entries, thresholds, unk_rates(tokenizers))


def load_tokenizer(path: Path) -> Any:
    """A bundle's saved tokenizer (``tokenizer/<i>``), as ``bundle.encoders`` names it."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)
