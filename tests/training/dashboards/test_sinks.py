"""The file sink's layout, which loggers get media, and the run metadata helpers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.loggers.logger import DummyLogger
from tests.helpers import assert_png_not_blank

from redheart_lit.evaluation.figures.regret import scatter
from redheart_lit.training.dashboards.metadata import git_state, peak_memory_mb
from redheart_lit.training.dashboards.sinks import FileSink, Image, TensorBoardSink, logger_sinks


def test_file_sink_names_files_by_key_without_the_stage(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "val" / "epoch_002")
    image = Image.of(scatter(np.array([0.1, 0.9]), np.array([0.0, 1.0])))
    assert image.title.startswith("Regret (MAE 0.100")
    png = sink.figure("val/regret/scatter", image, 7)
    assert png == tmp_path / "val" / "epoch_002" / "regret_scatter.png"
    assert_png_not_blank(png)
    table = sink.table("val/samples", ["a", "b"], [[1, "x"]], 7)
    assert json.loads(table.read_text()) == {"columns": ["a", "b"], "rows": [[1, "x"]]}


def test_only_wandb_and_tensorboard_get_sinks(tmp_path: Path) -> None:
    loggers = [CSVLogger(tmp_path), TensorBoardLogger(tmp_path), DummyLogger()]
    sinks = logger_sinks(loggers)
    assert [type(s) for s in sinks] == [TensorBoardSink]


def test_git_state_outside_a_checkout_says_why(tmp_path: Path) -> None:
    state = git_state(tmp_path)
    assert state.commit is None
    assert state.problem
    assert state.describe().startswith("unknown (")
    here = git_state(Path(__file__).parent)
    assert here.commit is not None
    assert len(here.commit) == 40


def test_peak_memory_on_cpu_is_the_process_peak() -> None:
    peak, what = peak_memory_mb(torch.device("cpu"))
    assert peak > 50  # torch alone is more than that
    assert "resident" in what
