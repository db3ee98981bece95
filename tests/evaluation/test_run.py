"""Held-out evaluation: scoring by hand, the eval config, and train -> `python eval.py`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import DictConfig, OmegaConf
from tests.conftest import PROJECT_ROOT, TINY, compose_config, compose_train, run_eval
from tests.helpers import assert_png_not_blank, tiny_config

from redheart_lit.cli.train import train
from redheart_lit.evaluation.figures import FIGURE_TITLES
from redheart_lit.evaluation.run import Labelled, checkpoint_thresholds, evaluate, score
from redheart_lit.paths import config_dir
from redheart_lit.tasks import MultiTaskModule

SAMPLE = PROJECT_ROOT / "data" / "sample"
# Labelled rows of data/sample/test.jsonl per label key (docs/data.md, "Counts per split").
TEST_ROWS = {"emotion/rows": 39, "bentham/factors_rows": 31, "bentham/acceptability_rows": 37,
             "bentham/utility_pair_rows": 12, "regret/rows": 29, "surd/rows": 17}  # fmt: skip
VAL_EMOTION_ROWS = 40


def compose_eval(overrides: list[str], run_dir: Path) -> DictConfig:
    """Compose ``eval.yaml`` as ``python eval.py`` would, with outputs in ``run_dir``."""
    return compose_config("eval", overrides, run_dir)


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    """``last.ckpt`` of the tiny model trained 2 epochs on the sample data."""
    run_dir = tmp_path / "train"
    overrides = [*TINY, "trainer.max_epochs=2", "callbacks.early_stopping=null", "test=false",
                 "logger=none"]  # fmt: skip
    train(compose_train(overrides, run_dir))
    return run_dir / "checkpoints" / "last.ckpt"


def test_score_by_hand_reports_only_labelled_keys() -> None:
    outputs = {
        "acceptability": Labelled(np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 0.0])),
        "regret": Labelled(np.array([0.8, 0.3]), np.array([0.9, 0.1])),
        "utility_pref": Labelled(np.array([0.5, -0.1]), np.array([1.0, 1.0])),
    }
    metrics = score(MultiTaskModule(tiny_config()), outputs, np.full(28, 0.5))
    assert metrics == pytest.approx({
        "bentham/acceptability_rows": 3, "bentham/acceptability_acc": 2 / 3,
        "bentham/utility_pair_rows": 2, "bentham/utility_pair_acc": 0.5,
        "regret/rows": 2, "regret/acc": 1.0, "regret/auroc": 1.0,
        "regret/mae": (0.1 + 0.2) / 2,
    })  # fmt: skip


def test_eval_config_defaults(tmp_path: Path) -> None:
    cfg = compose_eval(["ckpt=some.ckpt"], tmp_path)
    assert cfg.data.split == "test"
    assert cfg.task_name == "eval"
    assert cfg.data.root == str(SAMPLE)
    with pytest.raises(ValueError, match="ckpt is required"):
        evaluate(compose_eval([], tmp_path))


DATA_OPTIONS = sorted(p.stem for p in (config_dir() / "data").glob("*.yaml"))


@pytest.mark.parametrize("data", DATA_OPTIONS)
def test_every_data_option_resolves_under_the_eval_config(tmp_path: Path, data: str) -> None:
    # eval.yaml has no model group: the data config's tokenizer must come from eval.yaml.
    cfg = compose_eval(["ckpt=some.ckpt", f"data={data}"], tmp_path)
    resolved = OmegaConf.to_container(cfg.data, resolve=True)
    assert resolved["split"] == "test"
    assert resolved["tokenizer"] is None


def test_train_then_eval_cli_on_the_sample_test_split(checkpoint: Path, tmp_path: Path) -> None:
    # The checkpoint carries thresholds tuned on the validation split.
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    prefix = "tasks.emotion.readout.thresholds"
    assert state[f"{prefix}.fitted_rows"].item() == VAL_EMOTION_ROWS
    assert state[f"{prefix}.tuned"].sum().item() == 27  # val has no "fear" row

    out = tmp_path / "eval"
    result = run_eval([f"ckpt={checkpoint}", "data=sample", f"data.root={SAMPLE}",
                       "data.split=test", f"hydra.run.dir={out}"])  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last_line = result.stdout.strip().splitlines()[-1]
    metrics = json.loads(last_line)
    assert json.loads((out / "metrics.json").read_text()) == metrics
    for key, rows in TEST_ROWS.items():
        assert metrics[key] == rows, key
    for key, value in metrics.items():
        if not key.endswith("rows") and value is not None:
            assert 0.0 <= value <= (28 if "without_positives" in key else 1.0), (key, value)
    assert metrics["emotion/labels_without_positives"] == 0  # test has all 28 labels

    report = (out / "report.md").read_text()
    for expected in (str(checkpoint), "`sample`", "`test`", "### emotion", "### surd",
                     f"tuned for per-label F1 on {VAL_EMOTION_ROWS} validation rows",
                     "no positive row in dev, threshold kept at 0.5: fear"):  # fmt: skip
        assert expected in report, expected
    # Every task's figures, written beside report.md and linked from it.
    assert "## Figures" in report
    for key, title in FIGURE_TITLES.items():
        path = out / "figures" / (key.replace("/", "_") + ".png")
        assert f"![{title}](figures/{path.name})" in report, key
        assert_png_not_blank(path)

    # The same evaluation as a function, here on val: it says val is not held out.
    in_process = evaluate(compose_eval([f"ckpt={checkpoint}", "data.split=val"], tmp_path))
    assert in_process.metrics["emotion/rows"] == VAL_EMOTION_ROWS
    assert any("not held out" in note for note in in_process.notes)


def test_unfitted_thresholds_are_reported_as_defaults() -> None:
    thresholds = checkpoint_thresholds(MultiTaskModule(tiny_config()))
    assert not thresholds.fitted
    assert thresholds.values.tolist() == [0.5] * 28
    assert "never fitted" in thresholds.source
