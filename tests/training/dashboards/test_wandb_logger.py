"""W&B key names: each task's keys task-first, run keys unchanged, best-value summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.helpers import finished_wandb_records

from redheart_lit.training.dashboards.wandb_logger import (
    TaskFirstWandbLogger,
    best_summary,
    wandb_key,
)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("val/emotion/macro_f1", "emotion/val/macro_f1"),
        ("train/bentham/loss", "bentham/train/loss"),
        ("test/surd/mae", "surd/test/mae"),
        ("val/emotion/f1_per_label", "emotion/val/f1_per_label"),  # a dashboards figure
        # Keys of the whole run keep their name (and their W&B section).
        ("val/loss", "val/loss"),
        ("train/loss_step", "train/loss_step"),
        ("val/samples", "val/samples"),
        ("run/peak_memory_mb", "run/peak_memory_mb"),
        ("model/parameters", "model/parameters"),
        ("trainer/global_step", "trainer/global_step"),
        ("lr-AdamW", "lr-AdamW"),
        # A second part that is no task is not moved.
        ("val/notatask/x", "val/notatask/x"),
        ("val/emotion/", "val/emotion/"),
    ],
)
def test_wandb_key(key: str, expected: str) -> None:
    assert wandb_key(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("val/loss", "min"),
        ("val/emotion/loss", "min"),
        ("val/emotion/macro_f1", "max"),
        ("val/bentham/utility_pair_acc", "max"),
        ("val/bentham/factors_mae", "min"),
        ("val/regret/mae", "min"),
        ("val/regret/acc", "max"),
        ("val/surd/mae", "min"),
        ("train/emotion/macro_f1", None),  # training and test: the last value
        ("test/surd/mae", None),
        ("train/loss", None),
        ("val/emotion/f1_per_label", None),  # a figure
        ("val/samples", None),
    ],
)
def test_best_summary(key: str, expected: str | None) -> None:
    assert best_summary(key) == expected


def test_offline_run_summary_is_the_best_validation_value_not_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wandb

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    logger = TaskFirstWandbLogger(save_dir=str(tmp_path), project="test")
    try:
        logger.log_metrics({"val/emotion/macro_f1": 0.5, "val/surd/mae": 0.2, "val/loss": 2.0,
                            "train/emotion/macro_f1": 0.1}, step=1)  # fmt: skip
        logger.log_metrics({"val/emotion/macro_f1": 0.3, "val/surd/mae": 0.1, "val/loss": 3.0,
                            "train/emotion/macro_f1": 0.2}, step=2)  # fmt: skip
    finally:
        wandb.finish()
    (run_file,) = (tmp_path / "wandb").glob("offline-run-*/run-*.wandb")
    records = finished_wandb_records(run_file)
    metrics = {r.metric.name: r.metric for r in records if r.WhichOneof("record_type") == "metric"}
    assert metrics["emotion/val/macro_f1"].step_metric == "trainer/global_step"
    summary = {}
    for record in records:
        if record.WhichOneof("record_type") == "summary":
            for update in record.summary.update:
                summary[update.key or update.nested_key[0]] = json.loads(update.value_json)
    assert summary["emotion/val/macro_f1"] == {"max": 0.5}  # not the last, 0.3
    assert summary["surd/val/mae"] == {"min": 0.1}
    assert summary["val/loss"] == {"min": 2.0}
    assert summary["emotion/train/macro_f1"] == 0.2  # training: the last value
    assert "val/emotion/macro_f1" not in summary  # sent task-first only


def test_colliding_keys_are_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    logger = TaskFirstWandbLogger(save_dir=str(tmp_path), project="test")
    with pytest.raises(ValueError, match="'val/emotion/loss' and 'emotion/val/loss'"):
        logger.log_metrics({"val/emotion/loss": 1.0, "emotion/val/loss": 2.0}, step=1)
