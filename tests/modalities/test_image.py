"""Image: the astronaut's smiling face, images without a face, corrupt and oversized input,
the digest check of the FER weights, and the Hugging Face option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from skimage import data
from tests.modalities.conftest import jpeg

from redheart_lit.modalities.base import ModalityError
from redheart_lit.modalities.image import FerCNN, ImageConfig, ImageEncoder, load_fer


@pytest.fixture(scope="module")
def encoder(fer_weights: Path) -> ImageEncoder:
    return ImageEncoder(ImageConfig(weights=str(fer_weights)))


def test_smiling_astronaut_reads_as_joy(encoder: ImageEncoder) -> None:
    result = encoder.encode(jpeg(data.astronaut()))
    assert result.diagnostics["faces"] == 1
    estimate = result.estimate
    assert estimate is not None
    assert estimate.ekman is not None
    assert max(estimate.ekman, key=estimate.ekman.get) == "joy"
    assert estimate.valence is not None
    assert estimate.valence > 0.5
    assert estimate.confidence == pytest.approx(estimate.ekman["joy"])


@pytest.mark.parametrize("name", ["coffee", "camera", "chelsea"])
def test_no_face_is_a_result(encoder: ImageEncoder, name: str) -> None:
    result = encoder.encode(getattr(data, name)())
    assert result.diagnostics["faces"] == 0
    assert result.estimate is None
    assert result.features == {}


def test_corrupt_jpeg_fails_clearly(encoder: ImageEncoder) -> None:
    with pytest.raises(ModalityError, match="not a decodable image"):
        encoder.encode(jpeg(data.astronaut())[:3000])
    with pytest.raises(ModalityError, match="not a decodable image"):
        encoder.encode(b"\xff\xd8\xff garbage")


def test_oversized_images_are_refused(encoder: ImageEncoder) -> None:
    with pytest.raises(ModalityError, match="limit is 4096") as info:
        encoder.encode(np.zeros((10, 4097, 3), np.uint8))
    assert info.value.too_large
    big = jpeg(np.zeros((4100, 16, 3), np.uint8))
    with pytest.raises(ModalityError, match="per side"):
        encoder.encode(big)
    with pytest.raises(ModalityError, match="bytes; the limit is 100"):
        encoder.encode(big, max_bytes=100)
    with pytest.raises(ModalityError, match="uint8"):
        encoder.encode(np.zeros((8, 8, 3), np.float32))


def test_weights_with_another_digest_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "active_model.pth"
    torch.save(FerCNN().state_dict(), path)
    with pytest.raises(ValueError, match="sha256"):
        load_fer(path)
    with pytest.raises(FileNotFoundError, match="fer_weights"):
        load_fer(tmp_path / "missing.pth")


def test_reimplementation_matches_the_weights_exactly(fer_weights: Path) -> None:
    # strict=True loading: every parameter name and shape of the package's network.
    model = load_fer(fer_weights)
    assert model(torch.zeros(2, 1, 48, 48)).shape == (2, 7)


def test_hf_image_classifier_runs_on_face_crops(tiny_vit: Path) -> None:
    encoder = ImageEncoder(ImageConfig(kind="hf", model=str(tiny_vit)))
    result = encoder.encode(data.astronaut())
    assert result.diagnostics["faces"] == 1
    assert result.estimate is not None
    assert result.estimate.ekman is not None
    assert sum(result.estimate.ekman.values()) == pytest.approx(1.0, abs=1e-5)


def test_threads_do_not_see_each_others_faces(encoder: ImageEncoder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    images = [data.astronaut(), data.coffee()] * 4
    with ThreadPoolExecutor(max_workers=2) as pool:
        faces = [r.diagnostics["faces"] for r in pool.map(encoder.encode, images)]
    assert faces == [1, 0] * 4
