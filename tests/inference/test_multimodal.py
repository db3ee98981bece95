"""The orchestrator with image, audio and biosignal encoders: schema, fusion, absence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import neurokit2 as nk
import pytest
from skimage import data
from tests.modalities.conftest import jpeg, tone

from redheart_lit.inference import InputError, ProductionConfig, ProductionOrchestrator
from redheart_lit.modalities import ModalityError, build_modalities
from redheart_lit.modalities.fusion import fused_confidence


@pytest.fixture(scope="module")
def orchestrator(tiny_bundle: Path, fer_weights: Path) -> ProductionOrchestrator:
    encoders = build_modalities(
        {
            "image": {"kind": "fer", "weights": str(fer_weights)},
            "audio": {"kind": "prosody"},
            "biosignals": {"kind": "neurokit"},
        }
    )
    return ProductionOrchestrator(ProductionConfig(str(tiny_bundle), cache_size=0), encoders)


def test_text_image_and_audio_are_fused(orchestrator: ProductionOrchestrator) -> None:
    alone = asyncio.run(orchestrator.process(text="I am so happy today."))
    result = asyncio.run(
        orchestrator.process(
            text="I am so happy today.", image=jpeg(data.astronaut()), audio=tone(300, 0.5)
        )
    )
    modalities = result["analysis"]["emotion"]["modalities"]
    assert set(modalities) == {"text", "image", "audio", "fused"}
    assert modalities["image"]["diagnostics"]["faces"] == 1
    assert modalities["audio"]["estimate"]["valence"] is None
    fused = modalities["fused"]
    assert set(fused["weights"]) == {"text", "image", "audio"}
    assert 0.0 <= fused["agreement"] <= 1.0
    expected = fused_confidence(alone["integrated"]["confidence"], fused["agreement"])
    assert result["integrated"]["confidence"] == pytest.approx(expected, abs=1e-3)
    # The text sections are the text-only ones.
    assert result["analysis"]["regret"] == alone["analysis"]["regret"]


def test_no_face_without_text_is_a_result(orchestrator: ProductionOrchestrator) -> None:
    result = asyncio.run(orchestrator.process(image=data.coffee()))
    assert result["analysis"]["encoders"] is None
    assert result["analysis"]["regret"] is None
    modalities = result["analysis"]["emotion"]["modalities"]
    assert modalities["image"]["diagnostics"]["faces"] == 0
    assert modalities["image"]["estimate"] is None
    assert modalities["fused"] is None
    assert "text" not in modalities
    assert result["integrated"]["confidence"] == 0.0


def test_biosignals_alone(orchestrator: ProductionOrchestrator) -> None:
    ecg = nk.ecg_simulate(duration=62, sampling_rate=250, heart_rate=100, method="simple")
    result = asyncio.run(orchestrator.process(biosignals={"ecg": ecg, "sampling_rate": 250}))
    fused = result["analysis"]["emotion"]["modalities"]["fused"]
    assert fused["valence"] is None
    assert fused["arousal"] > 0
    assert fused["agreement"] is None


def test_bad_media_and_calls_fail_clearly(orchestrator: ProductionOrchestrator) -> None:
    with pytest.raises(ModalityError, match="not a decodable image"):
        asyncio.run(orchestrator.process(text="hi", image=b"\xff\xd8 broken"))
    with pytest.raises(InputError, match="not texts="):
        asyncio.run(orchestrator.process(texts=["a"], audio=tone(200, 0.2)))


def test_text_only_orchestrator_refuses_media(tiny_bundle: Path) -> None:
    plain = ProductionOrchestrator(ProductionConfig(str(tiny_bundle)))
    with pytest.raises(InputError, match="audio input needs an audio encoder"):
        asyncio.run(plain.process(text="hi", audio=tone(200, 0.2)))
