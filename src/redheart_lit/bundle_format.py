"""What every exported bundle shares, torch or ONNX: the format tag, the runtime it was
written for, the version digest and the error type. Torch-free, so the edge runner
(:mod:`redheart_lit.edge`) checks a bundle with the same code as the server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from redheart_lit.files import file_sha256

# Version 2: task readouts (``readouts.<task>.*`` keys). A version-1 bundle (one
# ``RedHeartModel``) is refused with a message saying to re-export.
FORMAT = "redheart_lit.bundle/2"
# Which runtime a bundle's model file is for, and that file. A bundle written before
# runtimes existed has no ``runtime`` key: it is a torch bundle.
RUNTIMES = {"torch": "model.safetensors", "onnxruntime": "model.onnx"}
EXPORT_HINT = "`python -m redheart_lit.export ckpt=PATH out=DIR`"


class BundleError(RuntimeError):
    """An exported model folder that is missing, incomplete, corrupt or inconsistent."""


def digest(path: Path) -> str:
    """The bundle version: the first 16 hex digits of the model file's SHA-256."""
    return file_sha256(path)[:16]


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{path}: not valid JSON ({err})") from err


def read_meta(folder: Path, runtime: str) -> dict[str, Any]:
    """``config.json`` of the bundle in ``folder``, checked: the format, the runtime
    (``runtime`` must be the one it was exported for) and the model file's digest."""
    if not folder.is_dir():
        raise BundleError(f"{folder}: no such model folder; write one with {EXPORT_HINT}")
    if not (folder / "config.json").exists():
        raise BundleError(f"{folder / 'config.json'}: missing; the folder is not a complete export")
    meta = read_json(folder / "config.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        hint = (
            f"; it was written by an older release: export the checkpoint again with {EXPORT_HINT}"
            if isinstance(found, str) and found.startswith("redheart_lit.bundle/")
            else ""
        )
        raise BundleError(f"{folder / 'config.json'}: format {found!r}, expected {FORMAT!r}{hint}")
    found = meta.get("runtime", "torch")
    if found not in RUNTIMES:
        raise BundleError(
            f"{folder / 'config.json'}: runtime {found!r} is unknown; known: {sorted(RUNTIMES)}"
        )
    if found != runtime:
        formats = {"torch": "safetensors", "onnxruntime": "onnx"}
        raise BundleError(
            f"{folder}: this bundle is for runtime {found!r}, not {runtime!r}; serve it with "
            f"serve.runtime={found}, or export the checkpoint again with format="
            f"{formats[runtime]}"
        )
    model_file = folder / RUNTIMES[runtime]
    if not model_file.exists():
        raise BundleError(f"{model_file}: missing; the folder is not a complete export")
    version = digest(model_file)
    if version != meta.get("version"):
        raise BundleError(
            f"{model_file}: weights digest {version} differs from the version {meta.get('version')} "
            "in config.json (modified or corrupt)"
        )
    return meta


def check_runtime(runtime: object, device: str, precision: str, prefix: str = "") -> None:
    """A ValueError naming ``{prefix}runtime`` unless it is known and, for onnxruntime,
    runs where a bundle for it can: on the CPU, in the precision it was exported in."""
    if runtime not in RUNTIMES:
        raise ValueError(f"{prefix}runtime={runtime!r}; choose one of {list(RUNTIMES)}")
    if runtime == "onnxruntime" and (device != "cpu" or precision != "fp32"):
        raise ValueError(
            f"{prefix}runtime=onnxruntime runs on the CPU in the bundle's own precision: use "
            f"{prefix}device=cpu {prefix}precision=fp32 (got {device}, {precision})"
        )
