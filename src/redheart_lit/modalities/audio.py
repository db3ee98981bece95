"""Audio: speech prosody with librosa, and an optional pretrained speech-emotion model.

* **Decoding** is soundfile's (libsndfile: WAV, FLAC, OGG, MP3): bytes that are not audio
  fail there, with libsndfile's reason. Stereo is averaged to mono; everything is
  resampled to 16 kHz (librosa/soxr), the rate speech models expect.
* **Features** (librosa): pitch by pYIN (median and spread in semitones, voiced
  fraction), RMS energy (dBFS), onsets per second (a speaking-rate proxy: syllable nuclei
  start with an onset), spectral centroid, and 13 MFCC means and standard deviations.
* **Estimate, prosody rule** (``kind=prosody``): arousal only, from the two cues that
  raise perceived vocal arousal most consistently across studies, higher F0 and higher
  intensity (Juslin & Laukka 2003, Psychological Bulletin 129:770-814):
  ``arousal = tanh(((f0_st - 0) / 4 + (rms_db + 25) / 10) / 2)`` with ``f0_st`` the median
  F0 in semitones above 150 Hz. A documented rule, not a trained model; its confidence is
  ``prosody_confidence * voiced_fraction``, a configured prior, not calibrated.
* **Estimate, pretrained model** (``kind=hf``): any Hugging Face
  ``AutoModelForAudioClassification`` by name (for example a wav2vec2 fine-tuned for
  speech emotion). Its labels are mapped to the 7 Ekman classes by :data:`LABEL_SYNONYMS`;
  a label the table does not know is a load-time error, never dropped.
* **openSMILE eGeMAPS** (``opensmile: true``) adds the 88 eGeMAPS functionals. Opt-in
  extra (``pip install redheart_lit[opensmile]``): openSMILE's licence forbids commercial
  use.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import (
    AffectEstimate,
    ModalityError,
    ModalityResult,
    ekman_estimate,
    finite_signal,
)
from redheart_lit.modalities.calibration import Calibration, ekman_probabilities

TARGET_RATE = 16_000
# Speech-emotion label names seen in public models (IEMOCAP, RAVDESS, CREMA-D, SUPERB) ->
# the Ekman class. "calm" is low-arousal neutral in RAVDESS' own description.
LABEL_SYNONYMS: dict[str, str] = {
    "ang": "anger", "angry": "anger", "anger": "anger",
    "dis": "disgust", "disgust": "disgust", "disgusted": "disgust",
    "fea": "fear", "fear": "fear", "fearful": "fear",
    "hap": "joy", "happy": "joy", "happiness": "joy", "joy": "joy",
    "sad": "sadness", "sadness": "sadness",
    "sur": "surprise", "surprise": "surprise", "surprised": "surprise", "ps": "surprise",
    "neu": "neutral", "neutral": "neutral", "calm": "neutral",
}  # fmt: skip


@dataclass(frozen=True)
class AudioConfig:
    """Args:
    kind: ``prosody`` (librosa features + the documented rule) or ``hf`` (+ a model).
    model: Hugging Face name or local folder of an audio-classification model (``hf``).
    max_seconds: longest accepted clip (the API's limit: 30 s).
    prosody_confidence: the rule's confidence at a fully voiced clip.
    opensmile: add eGeMAPS functionals (non-commercial licence; extra ``opensmile``).
    calibration: a temperature file from ``cli/calibrate.py`` for the ``hf`` model (the
        prosody rule has no logits to scale); None: its own top probability.
    """

    kind: str = "prosody"
    model: str | None = None
    max_seconds: float = 30.0
    prosody_confidence: float = 0.3
    opensmile: bool = False
    calibration: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("prosody", "hf"):
            raise ValueError(f"modality.audio.kind must be 'prosody' or 'hf', got {self.kind!r}")
        if (self.kind == "hf") != (self.model is not None):
            raise ValueError("modality.audio.model is required with kind=hf, and only then")
        if self.calibration is not None and self.kind != "hf":
            raise ValueError("modality.audio.calibration needs kind=hf (a model with logits)")
        if self.max_seconds <= 0 or not 0 <= self.prosody_confidence <= 1:
            raise ValueError("modality.audio: max_seconds > 0 and prosody_confidence in [0, 1]")


def decode(raw: Any, max_seconds: float) -> np.ndarray:
    """Mono float32 at 16 kHz from bytes (any libsndfile format) or
    ``{"samples": array, "sampling_rate": Hz}``; ModalityError when unreadable."""
    import librosa
    import soundfile as sf

    if isinstance(raw, bytes | bytearray | memoryview):
        try:
            with sf.SoundFile(io.BytesIO(bytes(raw))) as file:
                rate, frames = file.samplerate, file.frames
                if frames / rate > max_seconds:
                    raise ModalityError(
                        "audio",
                        f"lasts {frames / rate:.1f} s; the limit is {max_seconds:g} s",
                        too_large=True,
                    )
                samples = file.read(dtype="float32", always_2d=True).mean(axis=1)
        except (sf.LibsndfileError, RuntimeError, TypeError) as err:
            raise ModalityError("audio", f"not decodable audio ({err})") from None
    elif isinstance(raw, dict):
        rate = raw.get("sampling_rate")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ModalityError("audio.sampling_rate", f"must be a positive number, got {rate!r}")
        samples = finite_signal("audio.samples", raw.get("samples"))
    else:
        raise ModalityError(
            "audio", f"must be bytes or {{'samples', 'sampling_rate'}}, got {type(raw).__name__}"
        )
    seconds = samples.size / rate
    if seconds > max_seconds:
        raise ModalityError(
            "audio", f"lasts {seconds:.1f} s; the limit is {max_seconds:g} s", too_large=True
        )
    samples = finite_signal("audio", samples, min_len=int(0.25 * rate))
    if rate != TARGET_RATE:
        samples = librosa.resample(samples, orig_sr=rate, target_sr=TARGET_RATE)
    return samples.astype(np.float32)


def prosody(y: np.ndarray) -> tuple[dict[str, float], dict[str, Any]]:
    """Features and diagnostics of 16 kHz mono ``y``."""
    import librosa

    sr = TARGET_RATE
    f0, voiced, _ = librosa.pyin(y, fmin=65.0, fmax=600.0, sr=sr, frame_length=1024)
    rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
    rms_db = 20 * np.log10(np.maximum(rms, 1e-10))
    onsets = librosa.onset.onset_detect(y=y, sr=sr, units="time")
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr)[0]
    voiced_fraction = float(np.mean(voiced))
    features: dict[str, float] = {
        "voiced_fraction": voiced_fraction,
        "rms_db_mean": float(rms_db.mean()),
        "rms_db_std": float(rms_db.std()),
        "onsets_per_second": len(onsets) / (y.size / sr),
        "spectral_centroid_hz": float(centroid.mean()),
    }
    if voiced.any():
        semitones = 12 * np.log2(f0[voiced] / 150.0)
        features["f0_median_hz"] = float(np.median(f0[voiced]))
        features["f0_median_st"] = float(np.median(semitones))
        q75, q25 = np.percentile(semitones, [75, 25])
        features["f0_iqr_st"] = float(q75 - q25)
    for i in range(mfcc.shape[0]):
        features[f"mfcc{i}_mean"] = float(mfcc[i].mean())
        features[f"mfcc{i}_std"] = float(mfcc[i].std())
    diagnostics = {"seconds": round(y.size / sr, 3), "voiced_fraction": round(voiced_fraction, 4)}
    return features, diagnostics


def prosody_arousal(features: dict[str, float]) -> float:
    """The documented rule of the module docstring (needs voiced frames)."""
    pitch = features["f0_median_st"] / 4.0
    energy = (features["rms_db_mean"] + 25.0) / 10.0
    return float(np.tanh((pitch + energy) / 2.0))


class SpeechEmotionModel:
    """A Hugging Face audio classifier; its labels mapped to the Ekman classes."""

    def __init__(self, name: str) -> None:
        from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

        self.extractor = AutoFeatureExtractor.from_pretrained(name)
        self.model = AutoModelForAudioClassification.from_pretrained(name).eval()
        labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        unknown = [label for label in labels if label.lower() not in LABEL_SYNONYMS]
        if unknown:
            raise ValueError(
                f"{name}: label(s) {unknown} have no Ekman class in audio.LABEL_SYNONYMS"
            )
        # [num_labels, 7] 0/1: which Ekman class each model label counts towards.
        self.to_ekman = np.zeros((len(labels), len(EKMAN_LABELS)))
        for i, label in enumerate(labels):
            self.to_ekman[i, EKMAN_LABELS.index(LABEL_SYNONYMS[label.lower()])] = 1.0

    def logits(self, y: np.ndarray) -> np.ndarray:
        """``[num_labels]`` logits of one 16 kHz clip."""
        import torch

        inputs = self.extractor(y, sampling_rate=TARGET_RATE, return_tensors="pt")
        with torch.inference_mode():
            return self.model(**inputs).logits[0].float().numpy()


class AudioEncoder:
    name = "audio"

    def __init__(self, config: AudioConfig | None = None) -> None:
        self.config = config or AudioConfig()
        self.model = SpeechEmotionModel(self.config.model) if self.config.model else None
        self.model_id = str(self.config.model)
        self.to_ekman = None if self.model is None else self.model.to_ekman
        self.calibration = (
            Calibration.load(self.config.calibration, self.model_id)
            if self.config.calibration
            else None
        )
        self._smile = None
        if self.config.opensmile:
            try:
                import opensmile
            except ImportError as err:
                raise ImportError(
                    "modality.audio.opensmile=true needs the opt-in extra: pip install "
                    "'redheart_lit[opensmile]' (openSMILE: non-commercial licence)"
                ) from err
            self._smile = opensmile.Smile(
                feature_set=opensmile.FeatureSet.eGeMAPSv02,
                feature_level=opensmile.FeatureLevel.Functionals,
            )

    def clip_logits(self, raw: Any) -> np.ndarray:
        """``[num_labels]`` logits of one clip (what the calibration is fitted on)."""
        if self.model is None:
            raise ValueError("the prosody rule has no logits; calibrate a kind=hf model")
        return self.model.logits(decode(raw, self.config.max_seconds))

    def encode(self, raw: Any) -> ModalityResult:
        y = decode(raw, self.config.max_seconds)
        features, diagnostics = prosody(y)
        if self._smile is not None:
            frame = self._smile.process_signal(y, TARGET_RATE)
            features |= {f"egemaps_{k}": float(v) for k, v in frame.iloc[0].items()}
        estimate: AffectEstimate | None = None
        if self.model is not None:
            temperature = 1.0 if self.calibration is None else self.calibration.temperature
            logits = self.model.logits(y)[None]
            probs = ekman_probabilities(logits, temperature, self.to_ekman)[0]
            estimate = ekman_estimate(probs)
            diagnostics["estimate"] = "model"
            diagnostics["confidence"] = (
                f"top probability at temperature {temperature:g}, fitted on "
                f"{self.calibration.items} labelled items ({self.calibration.fitted_on})"
                if self.calibration is not None
                else "uncalibrated: the model's own top softmax probability"
            )
        elif features["voiced_fraction"] > 0:
            estimate = AffectEstimate(
                valence=None,
                arousal=prosody_arousal(features),
                confidence=self.config.prosody_confidence * features["voiced_fraction"],
            )
            diagnostics["estimate"] = "prosody rule"
        else:
            diagnostics["estimate"] = "no voiced frames: no prosody estimate"
        return ModalityResult("audio", features, estimate, diagnostics)
