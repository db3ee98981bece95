"""The small CLIs: `python -m redheart_lit.cli.export` and `python -m redheart_lit.cli.predict`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from redheart_lit.cli import predict
from redheart_lit.cli.dotlist import parse
from redheart_lit.cli.export import ExportArgs


def test_predict_prints_only_the_json(tiny_bundle: Path, capsys) -> None:
    predict.main([f"ckpt={tiny_bundle}", "text=I helped my neighbour: [a] = b"])
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"model_version", "analysis", "integrated"}


def test_predict_refuses_an_empty_text_on_stderr(tiny_bundle: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        predict.main([f"ckpt={tiny_bundle}", "text=   "])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "empty" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["ckpt=a"], "missing required key(s): out"), (["ckpt=a", "out=b", "outt=c"], "unknown key 'outt'"),
     (["ckpt=a", "ckpt=b", "out=c"], "given twice"), (["ckpt"], "key=value")],
)  # fmt: skip
def test_arguments_are_checked_by_name(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit):
        parse(ExportArgs, argv, "usage")
    assert message in capsys.readouterr().err


def test_export_cli_runs_as_a_module(tiny_bundle: Path, tmp_path: Path) -> None:
    ckpt = json.loads((tiny_bundle / "config.json").read_text())["source_checkpoint"]
    result = subprocess.run(
        [sys.executable, "-m", "redheart_lit.cli.export", f"ckpt={ckpt}", f"out={tmp_path / 'b'}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b" / "model.safetensors").is_file()
    helped = subprocess.run([sys.executable, "-m", "redheart_lit.cli.predict", "--help"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert "ckpt=???" in helped.stdout
