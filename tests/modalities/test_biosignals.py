"""Biosignals on NeuroKit2's simulated ECG/EDA/RSP and on self-made EEG (eeg_simulate
downloads data): direction of arousal, band powers, and clear errors on bad signals."""

from __future__ import annotations

import neurokit2 as nk
import numpy as np
import pytest

from redheart_lit.modalities.base import ModalityError
from redheart_lit.modalities.biosignals import BiosignalConfig, BiosignalEncoder, kalman_smooth

RATE = 250


@pytest.fixture(scope="module")
def encoder() -> BiosignalEncoder:
    return BiosignalEncoder()


def ecg(heart_rate: float, seconds: float = 65, seed: int = 0) -> np.ndarray:
    return nk.ecg_simulate(
        duration=seconds, sampling_rate=RATE, heart_rate=heart_rate, heart_rate_std=2,
        random_state=seed, method="simple",
    )  # fmt: skip


def test_arousal_rises_with_heart_rate(encoder: BiosignalEncoder) -> None:
    calm = encoder.encode({"ecg": ecg(65), "sampling_rate": RATE})
    fast = encoder.encode({"ecg": ecg(105), "sampling_rate": RATE})
    assert calm.features["heart_rate_mean"] == pytest.approx(65, abs=3)
    assert fast.features["heart_rate_mean"] == pytest.approx(105, abs=3)
    assert calm.estimate is not None
    assert fast.estimate is not None
    assert fast.estimate.arousal > calm.estimate.arousal + 0.5
    assert fast.features["stress_probability"] > calm.features["stress_probability"]
    assert fast.estimate.valence is None  # physiology gives no valence
    assert calm.features["hrv_rmssd"] > fast.features["hrv_rmssd"]
    assert 0.4 <= calm.estimate.confidence <= 1.0
    assert calm.diagnostics["windows"] == 1
    assert calm.diagnostics["signal_quality"] > 0.5


def test_confidence_is_vote_share_times_signal_quality(encoder: BiosignalEncoder) -> None:
    clean = encoder.encode({"ecg": ecg(65), "sampling_rate": RATE})
    rng = np.random.default_rng(0)
    trace = ecg(65)
    noisy = encoder.encode(
        {"ecg": trace + rng.normal(0, 0.6 * trace.std(), trace.size), "sampling_rate": RATE}
    )
    for result in (clean, noisy):
        assert result.estimate is not None
        d = result.diagnostics
        expected = d["stress_vote_share"] * min(max(d["signal_quality"], 0.0), 1.0)
        assert result.estimate.confidence == pytest.approx(expected, abs=1e-3)
    # Noise lowers NeuroKit2's quality index, and the confidence with it.
    assert noisy.diagnostics["signal_quality"] < clean.diagnostics["signal_quality"] - 0.05
    assert noisy.estimate.confidence < clean.estimate.confidence  # type: ignore[union-attr]


def test_windows_are_kalman_smoothed(encoder: BiosignalEncoder) -> None:
    result = encoder.encode({"ecg": ecg(105, seconds=125), "sampling_rate": RATE})
    assert result.diagnostics["windows"] == 3  # starts at 0, 30, 60 s
    assert len(result.diagnostics["arousal_smoothed"]) == 3


def test_kalman_smoothing_reduces_jitter() -> None:
    noisy = np.array([0.8, -0.2, 0.9, -0.1, 0.7, 0.0])
    smooth = kalman_smooth(noisy, q=0.01, r=0.1)
    assert np.abs(np.diff(smooth)).sum() < 0.5 * np.abs(np.diff(noisy)).sum()


def test_eda_and_respiration_features(encoder: BiosignalEncoder) -> None:
    eda = nk.eda_simulate(duration=60, sampling_rate=50, scr_number=5, random_state=0)
    rsp = nk.rsp_simulate(duration=60, sampling_rate=50, respiratory_rate=15, random_state=0)
    result = encoder.encode({"eda": eda, "rsp": rsp, "sampling_rate": 50})
    assert result.features["rsp_rate_mean"] == pytest.approx(15, abs=1.5)
    assert result.features["eda_scr_peaks"] >= 3
    assert result.features["eda_tonic_mean"] > 0
    assert result.estimate is None  # no heartbeats: no stress estimate, no stand-in
    assert "no ECG or PPG" in result.diagnostics["estimate"]


@pytest.mark.parametrize(("freq", "band"), [(2.5, "delta"), (10.0, "alpha"), (20.0, "beta")])
def test_eeg_band_powers_find_the_sinusoid(
    encoder: BiosignalEncoder, freq: float, band: str
) -> None:
    rate = 256
    t = np.arange(0, 8, 1 / rate)
    rng = np.random.default_rng(0)
    channels = np.stack(
        [np.sin(2 * np.pi * freq * t + k) + 0.2 * rng.standard_normal(t.size) for k in range(2)]
    )
    features = encoder.encode({"eeg": channels, "sampling_rate": rate}).features
    relative = {k: v for k, v in features.items() if k.startswith("eeg_")}
    assert max(relative, key=relative.get) == f"eeg_{band}_relative"
    assert sum(relative.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("signals", "message"),
    [
        ({"ecg": [0.0] * 20_000, "sampling_rate": RATE}, "constant"),
        ({"ecg": [1.0, float("nan")] * 10_000, "sampling_rate": RATE}, "NaN"),
        ({"ecg": [0.1, 0.2] * 10_000}, "needs a sampling_rate"),
        ({"ecg": [0.1, 0.2] * 10_000, "sampling_rate": -5}, "positive number"),
        ({"ecg": "abc", "sampling_rate": RATE}, "not an array of numbers"),
        ({"ecg": [[0.1, 0.2]] * 300, "sampling_rate": RATE}, "1-D"),
        ({"ecg": np.sin(np.arange(5000.0)), "sampling_rate": RATE}, "the stress model needs 60"),
        ({"sampling_rate": RATE}, "holds none of the signals"),
        ({"ekg": [1, 2], "sampling_rate": RATE}, "unknown key"),
        ({"eeg": np.sin(np.arange(2000.0)), "sampling_rate": 64}, "below 90 Hz"),
    ],
)
def test_bad_signals_fail_clearly(encoder: BiosignalEncoder, signals: dict, message: str) -> None:
    with pytest.raises(ModalityError, match=message):
        encoder.encode(signals)


def test_over_ten_minutes_is_too_large() -> None:
    encoder = BiosignalEncoder(BiosignalConfig(max_seconds=600))
    with pytest.raises(ModalityError, match="limit is 600 s") as info:
        encoder.encode({"eda": np.sin(np.arange(601 * 10) / 7.0), "sampling_rate": 10})
    assert info.value.too_large
    assert info.value.field == "biosignals.eda"
