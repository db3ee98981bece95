"""Fit the temperature of the image expression classifier on a folder of labelled faces.

::

    python -m redheart_lit.cli.calibrate weights=active_model.pth data=DIR out=T.json
    python -m redheart_lit.cli.calibrate kind=hf model=NAME data=DIR out=T.json

``DIR`` has one sub-folder per Ekman class, named as :data:`EKMAN_LABELS` (``anger``,
``disgust``, ``fear``, ``joy``, ``sadness``, ``surprise``, ``neutral``); every file in
them is an image of one face showing that expression. The largest face of each image is
classified; an image without a face, an unreadable file or a folder of another name is an
error naming it (a calibration set with silently dropped items would be a different set).
Prints the :class:`~redheart_lit.modalities.calibration.Calibration` as JSON (the
temperature, NLL and top-label ECE before and after, on these items) and writes it to
``out``; serve with ``modality.image.calibration=T.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from redheart_lit.cli.dotlist import REQUIRED, parse
from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import ModalityError
from redheart_lit.modalities.calibration import calibrate

USAGE = (
    "usage: python -m redheart_lit.cli.calibrate data=DIR out=FILE "
    "[kind=fer weights=active_model.pth | kind=hf model=NAME]"
)


@dataclass
class CalibrateArgs:
    data: str = REQUIRED
    out: str = REQUIRED
    kind: str = "fer"
    weights: str | None = None
    model: str | None = None


def labelled_images(folder: Path) -> list[tuple[Path, int]]:
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
        raise ValueError(f"{folder}: no labelled images")
    return items


def main(argv: Sequence[str] | None = None) -> None:
    from redheart_lit.modalities.image import ImageConfig, ImageEncoder

    args = parse(CalibrateArgs, sys.argv[1:] if argv is None else argv, USAGE)
    try:
        encoder = ImageEncoder(ImageConfig(kind=args.kind, weights=args.weights, model=args.model))
        items = labelled_images(Path(args.data))
        logits, labels = [], []
        for path, label in items:
            try:
                logits.append(encoder.face_logits(path.read_bytes()))
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
