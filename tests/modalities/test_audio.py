"""Audio on synthesized tones: loud/high against calm, decoding errors, the HF option."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.modalities.conftest import tone

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.audio import AudioConfig, AudioEncoder, SpeechEmotionModel
from redheart_lit.modalities.base import ModalityError


@pytest.fixture(scope="module")
def encoder() -> AudioEncoder:
    return AudioEncoder(AudioConfig())


def test_loud_high_pitched_is_more_aroused_than_calm(encoder: AudioEncoder) -> None:
    loud = encoder.encode(tone(320, 0.8))
    calm = encoder.encode(tone(110, 0.03))
    assert loud.features["f0_median_hz"] == pytest.approx(320, rel=0.03)
    assert calm.features["f0_median_hz"] == pytest.approx(110, rel=0.03)
    assert loud.features["rms_db_mean"] > calm.features["rms_db_mean"] + 20
    assert loud.estimate is not None
    assert calm.estimate is not None
    assert loud.estimate.arousal > 0.5 > -0.5 > calm.estimate.arousal
    assert loud.estimate.valence is None
    assert loud.diagnostics["voiced_fraction"] > 0.9
    assert {f"mfcc{i}_mean" for i in range(13)} <= set(loud.features)


def test_array_input_with_its_rate(encoder: AudioEncoder) -> None:
    rate = 8000
    t = np.arange(rate) / rate
    result = encoder.encode({"samples": 0.5 * np.sin(2 * np.pi * 200 * t), "sampling_rate": rate})
    assert result.features["f0_median_hz"] == pytest.approx(200, rel=0.03)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (b"RIFF\x00\x00not really a wav file", "audio", "not decodable audio"),
        (b"", "audio", "not decodable audio"),
        ({"samples": [0.0] * 16000, "sampling_rate": 16000}, "audio.samples", "constant"),
        ({"samples": [0.1, float("nan")] * 8000, "sampling_rate": 16000}, "audio.samples", "NaN"),
        ({"samples": [0.1, 0.2] * 8000}, "audio.sampling_rate", "positive number"),
        ("a string", "audio", "must be bytes"),
    ],
)
def test_bad_audio_fails_clearly(
    encoder: AudioEncoder, raw: object, field: str, message: str
) -> None:
    with pytest.raises(ModalityError, match=message) as info:
        encoder.encode(raw)
    assert info.value.field == field


def test_over_thirty_seconds_is_too_large(encoder: AudioEncoder) -> None:
    with pytest.raises(ModalityError, match="limit is 30 s") as info:
        encoder.encode(tone(200, 0.3, seconds=31, rate=8000))
    assert info.value.too_large


def test_hf_model_gives_an_ekman_distribution(tiny_wav2vec2: Path) -> None:
    encoder = AudioEncoder(AudioConfig(kind="hf", model=str(tiny_wav2vec2)))
    result = encoder.encode(tone(220, 0.3))
    assert result.estimate is not None
    assert result.estimate.ekman is not None
    assert tuple(result.estimate.ekman) == EKMAN_LABELS
    assert sum(result.estimate.ekman.values()) == pytest.approx(1.0, abs=1e-5)
    # The model's four labels: anger, joy, neutral, sadness; the rest get nothing.
    assert result.estimate.ekman["fear"] == 0.0
    assert result.diagnostics["estimate"] == "model"


def test_hf_model_with_unknown_labels_is_refused(tiny_wav2vec2: Path, tmp_path: Path) -> None:
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_wav2vec2)
    config.id2label = {0: "angry", 1: "bored", 2: "neutral", 3: "sad"}
    config.save_pretrained(tiny_wav2vec2)
    try:
        with pytest.raises(ValueError, match="bored"):
            SpeechEmotionModel(str(tiny_wav2vec2))
    finally:
        config.id2label = {0: "angry", 1: "happy", 2: "neutral", 3: "sad"}
        config.save_pretrained(tiny_wav2vec2)


def test_config_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="kind"):
        AudioConfig(kind="wav")
    with pytest.raises(ValueError, match="model is required"):
        AudioConfig(kind="hf")


def test_opensmile_egemaps_option_adds_the_88_functionals() -> None:
    # An opt-in extra (non-commercial licence), not installed by CI: skip only without it.
    pytest.importorskip(
        "opensmile",
        reason="the opt-in extra redheart_lit[opensmile] is not installed "
        "(openSMILE's licence forbids commercial use, so CI does not install it)",
    )
    encoder = AudioEncoder(AudioConfig(opensmile=True))
    result = encoder.encode(tone(220, 0.3))
    egemaps = {k: v for k, v in result.features.items() if k.startswith("egemaps_")}
    assert len(egemaps) == 88  # eGeMAPS v02 functionals (Eyben et al. 2016)
    assert all(np.isfinite(list(egemaps.values())))
    # openSMILE's own pitch tracker agrees with the tone: 220 Hz is 12*log2(220/27.5) = 36
    # semitones above 27.5 Hz, eGeMAPS' F0 reference.
    assert egemaps["egemaps_F0semitoneFrom27.5Hz_sma3nz_amean"] == pytest.approx(36.0, abs=0.5)
    # The prosody features are still there, unchanged by the option.
    assert result.features["f0_median_hz"] == pytest.approx(220, rel=0.03)
