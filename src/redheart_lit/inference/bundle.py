"""The exported model: a folder that production loads without Lightning, Hydra or pickle.

Layout (written by :func:`export_checkpoint`, read by :func:`load_bundle`)::

    model.safetensors   the RedHeartModel weights (temperatures and thresholds included)
    config.json         format tag, the resolved model config, the version (weights digest)
    thresholds.json     the 28 emotion decision thresholds tuned on dev, per label
    encoders.json       name, revision, identity and hidden size of each external encoder
    tokenizer/          own: tokenizer.json; external: tokenizer/<i>/ per encoder

Loading is strict: every file must be there, every weight key must match, the weights
must hash to the version in ``config.json``, and each external encoder must load with the
hidden size and identity it was trained with. Any failure names the file or encoder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_model, save_model

from redheart_lit.encoders import (
    EncoderLoadError,
    FrozenFeatures,
    FusedFeatures,
    HFTokenizer,
    LoadedEncoder,
    load_encoder,
)
from redheart_lit.model import RedHeartConfig, RedHeartModel
from redheart_lit.tasks import EMOTION_LABELS
from redheart_lit.tokenizer import ByteTokenizer, Encoding

FORMAT = "redheart_lit.bundle/1"
FILES = ("model.safetensors", "config.json", "thresholds.json", "encoders.json", "tokenizer")


class BundleError(RuntimeError):
    """An exported model folder that is missing, incomplete, corrupt or inconsistent."""


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:16]


def _encoder_entries(config: RedHeartConfig) -> list[dict[str, Any]]:
    """The external encoders a model reads, in input order (none for the own tokenizer)."""
    spec = config.encoder
    if spec.kind == "hf":
        return [{"name": spec.name, "revision": spec.revision, "frozen": spec.frozen}]
    if spec.kind == "fused":
        return [{"name": m.name, "revision": m.revision, "frozen": True} for m in spec.members]
    return []


def export_checkpoint(ckpt: str | Path, out: str | Path) -> Path:
    """Write the bundle of Lightning checkpoint ``ckpt`` into folder ``out``; return ``out``.

    The checkpoint is read with ``weights_only=True``. External encoders are loaded once
    here, to record their identity and hidden size and to save their tokenizers.
    """
    from redheart_lit.evaluate import load_checkpoint

    module = load_checkpoint(ckpt)
    model = module.model.cpu().eval()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"{out}: export folder is not empty; choose a new out=DIR")
    (out / "tokenizer").mkdir(parents=True, exist_ok=True)
    save_model(model, str(out / "model.safetensors"))

    entries = _encoder_entries(model.config)
    for i, entry in enumerate(entries):
        loaded = load_encoder(entry["name"], entry["revision"])
        entry.update(identity=loaded.identity, hidden_size=loaded.hidden_size)
        entry["tokenizer"] = f"tokenizer/{i}"
        loaded.tokenizer.save_pretrained(out / entry["tokenizer"])
    if not entries:
        tokenizer = ByteTokenizer.from_dict(dataclasses.asdict(model.config.tokenizer))
        (out / "tokenizer" / "tokenizer.json").write_text(json.dumps(tokenizer.to_dict()) + "\n")
    (out / "encoders.json").write_text(json.dumps(entries, indent=2) + "\n")

    thresholds = model.thresholds
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
    meta = {
        "format": FORMAT,
        "version": _digest(out / "model.safetensors"),
        "source_checkpoint": str(Path(ckpt).resolve()),
        "model": model.config.to_dict(),
    }
    (out / "config.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out


@dataclass
class Bundle:
    """A loaded bundle: the model in eval mode and the callable that encodes its input."""

    path: Path
    version: str
    model: RedHeartModel
    encode: Callable[[list[str]], Encoding]
    encoders: list[dict[str, Any]]
    thresholds: dict[str, Any]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{path}: not valid JSON ({err})") from err


def _load_member(entry: dict[str, Any], folder: Path, index: int) -> LoadedEncoder:
    """Encoder ``entry`` by name, with the tokenizer saved at export; sizes must match."""
    from transformers import AutoTokenizer

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
    tokenizer = AutoTokenizer.from_pretrained(folder / entry["tokenizer"])
    return dataclasses.replace(loaded, tokenizer=tokenizer)


def load_bundle(path: str | Path, device: str = "cpu") -> Bundle:
    """Load an exported bundle onto ``device``; see the module docstring for the checks."""
    folder = Path(path)
    if not folder.is_dir():
        raise BundleError(
            f"{folder}: no such model folder; write one with "
            "`python -m redheart_lit.export ckpt=PATH out=DIR`"
        )
    for name in FILES:
        if not (folder / name).exists():
            raise BundleError(f"{folder / name}: missing; the folder is not a complete export")
    meta = _read_json(folder / "config.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise BundleError(f"{folder / 'config.json'}: format {found!r}, expected {FORMAT!r}")
    version = _digest(folder / "model.safetensors")
    if version != meta["version"]:
        raise BundleError(
            f"{folder / 'model.safetensors'}: weights digest {version} differs from the "
            f"version {meta['version']} in config.json (modified or corrupt)"
        )
    try:
        config = RedHeartConfig.from_dict(meta["model"])
    except (KeyError, ValueError) as err:
        raise BundleError(f"{folder / 'config.json'}: bad model config ({err})") from err
    model = RedHeartModel(config)
    try:
        load_model(model, str(folder / "model.safetensors"), strict=True)
    except (RuntimeError, SafetensorError) as err:
        detail = " ".join(str(err).split())[:600]
        raise BundleError(
            f"{folder / 'model.safetensors'}: does not fit the config ({detail})"
        ) from err
    model = model.to(device).eval()

    entries = _read_json(folder / "encoders.json")
    spec = config.encoder
    encode: Callable[[list[str]], Encoding]
    if spec.kind == "own":
        encode = ByteTokenizer.from_dict(_read_json(folder / "tokenizer" / "tokenizer.json"))
    elif not spec.frozen:
        # The fine-tuned encoder's weights are part of the model; only its tokenizer is here.
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder / entries[0]["tokenizer"])
        encode = HFTokenizer(tokenizer, spec.max_length)
    else:
        members = [_load_member(e, folder, i) for i, e in enumerate(entries)]
        for member in members:
            member.model.to(device)
        if spec.kind == "fused":
            encode = FusedFeatures(members, spec.max_length)
        else:
            encode = FrozenFeatures(members[0], spec.max_length, cache=None)
    thresholds = _read_json(folder / "thresholds.json")
    return Bundle(folder, version, model, encode, entries, thresholds)
