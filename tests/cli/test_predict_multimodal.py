"""`python -m redheart_lit.predict ckpt=DIR text=... image=PATH audio=PATH ecg=PATH.csv`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import neurokit2 as nk
import pytest
from skimage import data
from tests.modalities.conftest import jpeg, tone

from redheart_lit.cli import predict


def test_predict_with_image_audio_and_ecg(
    tiny_bundle: Path, fer_weights: Path, tmp_path: Path, capsys
) -> None:
    (tmp_path / "face.jpg").write_bytes(jpeg(data.astronaut()))
    (tmp_path / "voice.wav").write_bytes(tone(280, 0.5))
    ecg = nk.ecg_simulate(duration=62, sampling_rate=250, heart_rate=100, method="simple")
    (tmp_path / "ecg.csv").write_text("ecg\n" + "\n".join(f"{v:.5f}" for v in ecg))
    predict.main(
        [
            f"ckpt={tiny_bundle}", "text=What a day.", f"image={tmp_path / 'face.jpg'}",
            f"audio={tmp_path / 'voice.wav'}", f"ecg={tmp_path / 'ecg.csv'}",
            "sampling_rate=250", f"fer_weights={fer_weights}",
        ]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    modalities = out["analysis"]["emotion"]["modalities"]
    assert set(modalities) == {"text", "image", "audio", "biosignals", "fused"}
    assert modalities["image"]["diagnostics"]["faces"] == 1
    assert modalities["biosignals"]["features"]["heart_rate_mean"] == pytest.approx(100, abs=3)


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("ecg\n0.1\nabc\n", ["sampling_rate=250"], "ecg.csv:3: 'abc' is not a number"),
        ("0.1\n0.2\n" * 50, [], "needs a sampling_rate"),
    ],
)
def test_bad_signal_files_name_the_line(
    tiny_bundle: Path, tmp_path: Path, capsys, content: str, extra: list[str], message: str
) -> None:
    (tmp_path / "ecg.csv").write_text(content)
    with pytest.raises(SystemExit) as info:
        predict.main([f"ckpt={tiny_bundle}", f"ecg={tmp_path / 'ecg.csv'}", *extra])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_module_entry_point_needs_some_input(tiny_bundle: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "redheart_lit.predict", f"ckpt={tiny_bundle}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "give text= or at least one of" in done.stderr
