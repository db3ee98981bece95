"""Biosignals: ECG/PPG heart rate and HRV, EDA, respiration and EEG band powers.

* **Cleaning and analysis** are NeuroKit2's (``ecg_process``, ``ppg_process``,
  ``eda_process``, ``rsp_process``, ``hrv_time``, ``hrv_frequency``): R-peak detection
  and the HRV definitions are theirs, tested against published tools.
* **EEG** band powers (delta to gamma) are Welch spectra (``scipy.signal.welch``), the DSP
  part of the design; the relative powers are features only (no arousal model is trained
  on them here).
* **Arousal** comes from a real pretrained model: ``synheart-emotion``'s ExtraTrees
  (WESAD chest ECG, baseline vs stress, 60 s windows; ONNX, run with onnxruntime) over the
  package's own 14 HRV features of each 60 s window of RR intervals. Each window's stress
  probability ``p`` is the observation ``2p - 1``; a 1-D Kalman filter and RTS smoother
  (``filterpy``, random walk) smooth that trajectory over the windows. The project's
  ``KalmanStateEstimator`` does not fit: it is a learned torch module over sentence states.
* **Valence** is left None: heart rate and skin conductance measure arousal, not
  pleasantness.

Input: ``{"ecg": array, "ppg": ..., "eda": ..., "rsp": ..., "eeg": [channels, samples],
"sampling_rate": 500}``; a signal may have its own rate as ``"<name>_sampling_rate"``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import welch

from redheart_lit.modalities.base import (
    AffectEstimate,
    ModalityError,
    ModalityResult,
    finite_signal,
)

SIGNALS = ("ecg", "ppg", "eda", "rsp", "eeg")
EEG_BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}
# The synheart model sees 60 s windows (its file name and metadata: w60s5).
_STRESS_MODEL = "ExtraTrees_60_5_nozipmap"
_STRESS_META = "ExtraTrees_metadata_60_5_nozipmap.json"
_HRV_KEYS = ("HRV_MeanNN", "HRV_SDNN", "HRV_RMSSD", "HRV_pNN50", "HRV_LF", "HRV_HF", "HRV_LFHF")


@dataclass(frozen=True)
class BiosignalConfig:
    """Args:
    max_seconds: longest accepted signal (the API's limit: 10 minutes).
    window_s / step_s: the stress model's windows over the ECG/PPG (60 s: what it saw).
    kalman_q / kalman_r: process and observation noise of the arousal random walk.
    """

    max_seconds: float = 600.0
    window_s: float = 60.0
    step_s: float = 30.0
    kalman_q: float = 0.01
    kalman_r: float = 0.1

    def __post_init__(self) -> None:
        for name in ("max_seconds", "window_s", "step_s", "kalman_q", "kalman_r"):
            if getattr(self, name) <= 0:
                raise ValueError(f"modality.biosignals.{name} must be > 0")


class StressModel:
    """synheart-emotion's WESAD ExtraTrees (ONNX) over its 14 HRV features."""

    def __init__(self) -> None:
        import onnxruntime as ort
        import synheart_emotion
        from synheart_emotion.synheart_emotion import extract_14_features

        data = Path(synheart_emotion.__file__).parent / "data"
        meta = json.loads((data / _STRESS_META).read_text())
        self.input_names: list[str] = meta["schema"]["input_names"]
        self.classes: list[str] = meta["output"]["class_names"]
        if self.classes != ["Baseline", "Stress"]:
            raise RuntimeError(f"{data / _STRESS_META}: unexpected classes {self.classes}")
        self.model_id: str = meta["model_id"]
        self._features = extract_14_features
        self._session = ort.InferenceSession(
            str(data / f"{_STRESS_MODEL}.onnx"), providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    def stress(self, rr_windows: list[np.ndarray]) -> np.ndarray:
        """``[W]`` stress probabilities, one per window of RR intervals (ms), batched."""
        rows = []
        for rr in rr_windows:
            valid = rr[(rr >= 300) & (rr <= 2000)]
            # extract_14_features returns fourteen zeros below 10 intervals: refuse instead.
            if valid.size < 10:
                raise ModalityError("biosignals", f"a window has {valid.size} valid RR intervals")
            rows.append(self._features(valid.tolist()))
        x = np.asarray(rows, dtype=np.float32)
        probabilities = self._session.run(None, {self._input: x})[1]
        return np.asarray(probabilities)[:, 1].astype(float)


def kalman_smooth(observations: np.ndarray, q: float, r: float) -> np.ndarray:
    """RTS-smoothed random walk through ``[W]`` observations (filterpy)."""
    from filterpy.kalman import KalmanFilter

    kf = KalmanFilter(dim_x=1, dim_z=1)
    kf.x = np.array([[observations[0]]])
    kf.P *= 1.0
    kf.F = np.array([[1.0]])
    kf.H = np.array([[1.0]])
    kf.Q = np.array([[q]])
    kf.R = np.array([[r]])
    means, covs, _, _ = kf.batch_filter(observations.reshape(-1, 1, 1))
    smoothed, _, _, _ = kf.rts_smoother(means, covs)
    return smoothed[:, 0, 0]


class BiosignalEncoder:
    name = "biosignals"

    def __init__(self, config: BiosignalConfig | None = None) -> None:
        self.config = config or BiosignalConfig()
        self.stress_model = StressModel()

    def encode(self, raw: Any) -> ModalityResult:
        if not isinstance(raw, dict):
            raise ModalityError(
                "biosignals", f"must be a mapping of signals, got {type(raw).__name__}"
            )
        known = set(SIGNALS) | {"sampling_rate"} | {f"{s}_sampling_rate" for s in SIGNALS}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ModalityError("biosignals", f"unknown key(s) {unknown}; signals are {SIGNALS}")
        present = [s for s in SIGNALS if raw.get(s) is not None]
        if not present:
            raise ModalityError("biosignals", f"holds none of the signals {SIGNALS}")
        features: dict[str, float] = {}
        diagnostics: dict[str, Any] = {"signals": present}
        estimate = None
        with warnings.catch_warnings():
            # NeuroKit2 warns about short recordings; the diagnostics report what was used.
            warnings.simplefilter("ignore")
            for name in present:
                rate = self._rate(raw, name)
                if name == "eeg":
                    features |= self._eeg(raw[name], rate)
                    continue
                signal = finite_signal(f"biosignals.{name}", raw[name], min_len=int(rate))
                self._check_length(name, signal.size, rate)
                if name in ("ecg", "ppg"):
                    if estimate is not None:
                        continue  # one heart signal drives the estimate; ECG comes first
                    estimate, found, diag = self._heart(name, signal, rate)
                    features |= found
                    diagnostics |= diag
                elif name == "eda":
                    features |= self._eda(signal, rate)
                else:
                    features |= self._rsp(signal, rate)
        if estimate is None:
            diagnostics["estimate"] = "no ECG or PPG: the stress model needs heartbeats"
        return ModalityResult("biosignals", features, estimate, diagnostics)

    # -- each signal -------------------------------------------------------------------

    def _rate(self, raw: dict[str, Any], name: str) -> float:
        key = f"{name}_sampling_rate"
        rate = raw.get(key, raw.get("sampling_rate"))
        if rate is None:
            raise ModalityError(f"biosignals.{name}", "needs a sampling_rate (Hz)")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ModalityError(f"biosignals.{key}", f"must be a positive number, got {rate!r}")
        return float(rate)

    def _check_length(self, name: str, samples: int, rate: float) -> None:
        seconds = samples / rate
        if seconds > self.config.max_seconds:
            raise ModalityError(
                f"biosignals.{name}",
                f"lasts {seconds:.0f} s; the limit is {self.config.max_seconds:.0f} s",
                too_large=True,
            )

    def _heart(
        self, name: str, signal: np.ndarray, rate: float
    ) -> tuple[AffectEstimate, dict[str, float], dict[str, Any]]:
        import neurokit2 as nk

        field = f"biosignals.{name}"
        seconds = signal.size / rate
        if seconds < self.config.window_s:
            raise ModalityError(
                field, f"lasts {seconds:.1f} s; the stress model needs {self.config.window_s:.0f} s"
            )
        if name == "ecg":
            frame, info = _neurokit(nk.ecg_process, signal, rate, field)
            peaks, quality = info["ECG_R_Peaks"], frame["ECG_Quality"]
        else:
            frame, info = _neurokit(nk.ppg_process, signal, rate, field)
            peaks, quality = info["PPG_Peaks"], frame["PPG_Quality"]
        peaks = np.asarray(peaks)
        if peaks.size < 10:
            raise ModalityError(field, f"only {peaks.size} heartbeats found")
        times = peaks / rate
        rr = np.diff(times) * 1000.0  # ms
        hr = 60000.0 / rr
        features = {"heart_rate_mean": float(hr.mean()), "heart_rate_std": float(hr.std())}
        hrv = nk.hrv_time(peaks, sampling_rate=int(rate)).join(
            nk.hrv_frequency(peaks, sampling_rate=int(rate))
        )
        unavailable = []
        for key in _HRV_KEYS:
            value = float(hrv[key].iloc[0])
            if np.isfinite(value):
                features[key.lower()] = value
            else:
                unavailable.append(key.lower())
        # Windows of RR intervals by the time of the beat that ends each interval.
        w, step = self.config.window_s, self.config.step_s
        starts = np.arange(0.0, max(seconds - w, 0.0) + 1e-9, step)
        windows = [rr[(times[1:] >= s) & (times[1:] < s + w)] for s in starts]
        stress = self.stress_model.stress(windows)
        arousal = kalman_smooth(2 * stress - 1, self.config.kalman_q, self.config.kalman_r)
        # Confidence, a designed formula (not fitted: no labelled recordings offline): the
        # trees' mean vote share for the class they chose, times NeuroKit2's mean signal
        # quality of the recording (ECG: averageQRS, PPG: templatematch; clipped to [0, 1]).
        # A clean trace keeps the model's own certainty; a noisy one, whose beats and so
        # HRV are unreliable, lowers it in proportion (docs/multimodal.md, "Confidences").
        vote_share = float(np.maximum(stress, 1 - stress).mean())
        signal_quality = float(np.clip(np.nanmean(quality), 0.0, 1.0))
        estimate = AffectEstimate(
            valence=None,
            arousal=float(np.clip(arousal[-1], -1, 1)),
            confidence=vote_share * signal_quality,
        )
        features["stress_probability"] = float(stress.mean())
        diagnostics = {
            "heart_signal": name,
            "beats": int(peaks.size),
            "signal_quality": round(float(np.nanmean(quality)), 4),
            "stress_vote_share": round(vote_share, 4),
            "windows": len(windows),
            "stress_by_window": [round(float(p), 4) for p in stress],
            "arousal_smoothed": [round(float(a), 4) for a in arousal],
            "hrv_unavailable": unavailable,
            "stress_model": self.stress_model.model_id,
        }
        return estimate, features, diagnostics

    def _eda(self, signal: np.ndarray, rate: float) -> dict[str, float]:
        import neurokit2 as nk

        frame, _ = _neurokit(nk.eda_process, signal, rate, "biosignals.eda")
        minutes = signal.size / rate / 60.0
        peaks = int(np.asarray(frame["SCR_Peaks"]).sum())
        return {
            "eda_tonic_mean": float(frame["EDA_Tonic"].mean()),
            "eda_phasic_std": float(frame["EDA_Phasic"].std()),
            "eda_scr_peaks": float(peaks),
            "eda_scr_per_minute": peaks / minutes,
        }

    def _rsp(self, signal: np.ndarray, rate: float) -> dict[str, float]:
        import neurokit2 as nk

        frame, _ = _neurokit(nk.rsp_process, signal, rate, "biosignals.rsp")
        rsp_rate = np.asarray(frame["RSP_Rate"], dtype=float)
        if not np.isfinite(rsp_rate).any():
            raise ModalityError("biosignals.rsp", "no breaths found")
        return {
            "rsp_rate_mean": float(np.nanmean(rsp_rate)),
            "rsp_amplitude_mean": float(np.nanmean(frame["RSP_Amplitude"])),
        }

    def _eeg(self, raw: Any, rate: float) -> dict[str, float]:
        """Relative band powers averaged over channels: ``raw`` is ``[samples]`` or
        ``[channels, samples]``."""
        field = "biosignals.eeg"
        try:
            array = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ModalityError(field, f"not an array of numbers ({err})") from None
        channels = array.reshape(1, -1) if array.ndim == 1 else array
        if channels.ndim != 2:
            raise ModalityError(
                field, f"must be [samples] or [channels, samples], got {array.shape}"
            )
        for i, channel in enumerate(channels):
            finite_signal(f"{field}[{i}]", channel, min_len=int(2 * rate))
        self._check_length("eeg", channels.shape[1], rate)
        if rate < 2 * EEG_BANDS["gamma"][1]:
            raise ModalityError(field, f"sampling_rate {rate} Hz is below 90 Hz (gamma to 45 Hz)")
        freqs, power = welch(channels, fs=rate, nperseg=int(2 * rate))  # 0.5 Hz bins
        bands = {
            name: np.trapezoid(power[:, (freqs >= lo) & (freqs < hi)], dx=freqs[1], axis=1)
            for name, (lo, hi) in EEG_BANDS.items()
        }
        total = sum(bands.values())
        return {
            f"eeg_{name}_relative": float((value / total).mean()) for name, value in bands.items()
        }


def _neurokit(process: Any, signal: np.ndarray, rate: float, field: str) -> tuple[Any, Any]:
    """``process(signal, sampling_rate)`` of NeuroKit2 (``ecg_process``, ``eda_process``...);
    what it cannot process is a :class:`ModalityError` naming ``field``."""
    try:
        return process(signal, sampling_rate=int(rate))
    except (ValueError, IndexError, ZeroDivisionError) as err:
        raise ModalityError(field, f"NeuroKit2 could not process it: {err}") from None
