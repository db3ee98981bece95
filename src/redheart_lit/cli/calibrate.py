"""Fit the temperature of an expression classifier on a folder of labelled items.

::

    python -m redheart_lit.cli.calibrate weights=active_model.pth data=DIR out=T.json
    python -m redheart_lit.cli.calibrate kind=hf model=NAME data=DIR out=T.json
    python -m redheart_lit.cli.calibrate modality=audio model=NAME data=DIR out=T.json

``DIR`` has one sub-folder per Ekman class, named as :data:`EKMAN_LABELS` (``anger``,
``disgust``, ``fear``, ``joy``, ``sadness``, ``surprise``, ``neutral``); every file in
them is an image of one face (``modality=image``, its largest face is classified) or a
speech clip (``modality=audio``, a Hugging Face model) showing that expression. An image
without a face, an unreadable file or a folder of another name is an error naming it (a
calibration set with silently dropped items would be a different set). Prints the
:class:`~redheart_lit.modalities.calibration.Calibration` as JSON (the temperature, NLL and
top-label ECE before and after, on these items) and writes it to ``out``; serve with
``modality.image.calibration=T.json`` or ``modality.audio.calibration=T.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from redheart_lit.cli.dotlist import REQUIRED, parse
from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import ModalityError
from redheart_lit.modalities.calibration import calibrate

USAGE = (
    "usage: python -m redheart_lit.cli.calibrate data=DIR out=FILE "
    "[modality=image] [kind=fer weights=active_model.pth | kind=hf model=NAME] "
    "| modality=audio model=NAME"
)


@dataclass
class CalibrateArgs:
    data: str = REQUIRED
    out: str = REQUIRED
    modality: str = "image"
    kind: str = "fer"
    weights: str | None = None
    model: str | None = None


def labelled_files(folder: Path) -> list[tuple[Path, int]]:
    """``(file, Ekman class index)`` of every file under ``folder/<class>/``, sorted."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    items: list[tuple[Path, int]] = []
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir() or sub.name not in EKMAN_LABELS:
            raise ValueError(f"{sub}: expected only folders named {list(EKMAN_LABELS)}")
        index = EKMAN_LABELS.index(sub.name)
        items += [(path, index) for path in sorted(sub.iterdir()) if path.is_file()]
    if not items:
        raise ValueError(f"{folder}: no labelled items")
    return items


def build_encoder(args: CalibrateArgs) -> tuple[Callable[[bytes], np.ndarray], Any]:
    """``(logits of one file's bytes, the encoder)``: the encoder names its model
    (``model_id``) and maps its labels to Ekman classes (``to_ekman``)."""
    if args.modality == "image":
        from redheart_lit.modalities.image import ImageConfig, ImageEncoder

        image = ImageEncoder(ImageConfig(kind=args.kind, weights=args.weights, model=args.model))
        return image.face_logits, image
    if args.modality == "audio":
        from redheart_lit.modalities.audio import AudioConfig, AudioEncoder

        audio = AudioEncoder(AudioConfig(kind="hf", model=args.model))
        return audio.clip_logits, audio
    raise ValueError(f"modality must be image or audio, got {args.modality!r}")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(CalibrateArgs, sys.argv[1:] if argv is None else argv, USAGE)
    try:
        item_logits, encoder = build_encoder(args)
        items = labelled_files(Path(args.data))
        logits, labels = [], []
        for path, label in items:
            try:
                logits.append(item_logits(path.read_bytes()))
            except ModalityError as err:
                raise ValueError(f"{path}: {err}") from None
            labels.append(label)
        result = calibrate(
            np.stack(logits), np.asarray(labels), encoder.model_id, str(args.data), encoder.to_ekman
        )
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    result.save(args.out)
    print(json.dumps(asdict(result), indent=2))


if __name__ == "__main__":
    main()
