"""The dashboards callback on the tiny experiment: files, offline W&B and TensorBoard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT, compose_train
from tests.helpers import assert_png_not_blank, finished_wandb_records, wandb_records

from redheart_lit.cli.train import run
from redheart_lit.evaluation.figures import FIGURE_TITLES
from redheart_lit.evaluation.samples import COLUMNS

# tests/conftest.py's TINY without `callbacks.dashboards=null`: this test wants them.
QUICK = ["experiment=tiny", "print_config=false", "trainer.max_epochs=1",
         "+trainer.limit_train_batches=3", "trainer.enable_model_summary=false",
         "trainer.enable_progress_bar=false", "callbacks.progress_bar=null",
         "callbacks.early_stopping=null", "callbacks.dashboards.sample_rows=5"]  # fmt: skip
FILES = [key.replace("/", "_") + ".png" for key in FIGURE_TITLES]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny run with CSV, TensorBoard and W&B (offline) loggers at once."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    out = tmp_path_factory.mktemp("dashboards")
    try:
        run(compose_train([*QUICK, "logger=many"], out))
    finally:
        monkeypatch.undo()
    return out


def test_png_files_of_every_figure_at_val_and_test(run_dir: Path) -> None:
    val_lines = (PROJECT_ROOT / "data" / "sample" / "val.jsonl").read_text().splitlines()
    first_val_ids = [json.loads(line)["id"] for line in val_lines[:5]]
    for folder in (run_dir / "dashboards" / "val" / "epoch_000", run_dir / "dashboards" / "test"):
        for name in FILES:
            assert_png_not_blank(folder / name)
        table = json.loads((folder / "samples.json").read_text())
        assert table["columns"] == list(COLUMNS)
        # The fixed rows are the first validation records, at val and at test alike.
        assert [row[0] for row in table["rows"]] == first_val_ids
        assert all(row[4] for row in table["rows"])  # top emotions with probabilities


def test_run_metadata_file(run_dir: Path) -> None:
    metadata = json.loads((run_dir / "dashboards" / "run_metadata.json").read_text())
    assert metadata["after"] == "test end"
    assert metadata["peak_memory_mb"] > 0
    assert metadata["parameters"]["total"] == sum(
        v for k, v in metadata["parameters"].items() if "/" not in k and k != "total"
    )
    text = (run_dir / "dashboards" / "metadata.md").read_text()
    assert "git commit:" in text
    assert "\ntask_name: train\n" in text  # the resolved config, as YAML


def test_offline_wandb_run_holds_images_and_tables(run_dir: Path) -> None:
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    media = offline / "files" / "media"
    for stage in ("val", "test"):
        for key in FIGURE_TITLES:
            task, name = key.split("/")
            # Task first in W&B (one workspace section per task): <task>/<stage>/<name>.
            (png,) = (media / "images" / task / stage).glob(f"{name}_*.png")
            assert_png_not_blank(png)
        tables = sorted((media / "table" / stage).glob("samples_*.table.json"))
        assert tables, f"no {stage} sample table"
        table = json.loads(tables[-1].read_text())
        assert table["columns"] == list(COLUMNS)
        assert len(table["data"]) == 5
    assert list((media / "table" / "model").glob("parameters_*.table.json"))
    assert list((media / "html" / "run").glob("metadata_*.html"))

    records = finished_wandb_records(next(offline.glob("run-*.wandb")))
    kinds = [r.WhichOneof("record_type") for r in records]
    summary_keys = {u.key for r in records if r.WhichOneof("record_type") == "summary"
                    for u in r.summary.update}  # fmt: skip
    assert {"run/git_commit", "run/peak_memory_mb"} <= summary_keys
    assert kinds[-1] == "exit"  # wandb.finish() ran


def test_offline_wandb_run_has_task_first_keys_with_best_summaries(run_dir: Path) -> None:
    (offline,) = (run_dir / "wandb").glob("offline-run-*")
    records = finished_wandb_records(next(offline.glob("run-*.wandb")))
    # A media item (image, table) is logged as nested keys under its own: take that one.
    logged = {item.key or item.nested_key[0]
              for r in records if r.WhichOneof("record_type") == "history"
              for item in r.history.item}  # fmt: skip
    # Each task's metrics at every stage, under the task's own section...
    for task in ("emotion", "bentham", "regret", "surd"):
        for stage in ("train", "val", "test"):
            assert f"{task}/{stage}/loss" in logged, (task, stage)
    assert {"emotion/val/macro_f1", "emotion/test/micro_f1", "bentham/val/utility_pair_acc",
            "regret/train/mae", "surd/val/mae"} <= logged  # fmt: skip
    # ... and never under the stage's (the Lightning name stays for CSV and checkpoints).
    assert not {k for k in logged if k.split("/")[0] in ("train", "val", "test")
                and k.count("/") == 2}, "a task key was sent stage-first"  # fmt: skip
    assert {"val/loss", "train/loss", "test/loss", "trainer/global_step"} <= logged
    assert {"emotion/val/f1_per_label", "surd/test/scatter", "val/samples"} <= logged
    csv = (run_dir / "csv" / "version_0" / "metrics.csv").read_text().splitlines()[0]
    assert "val/emotion/macro_f1" in csv.split(",")

    # Best value as the summary: max for F1 and accuracy, min for losses and errors.
    metrics = {r.metric.name: r.metric for r in records if r.WhichOneof("record_type") == "metric"}
    assert metrics["emotion/val/macro_f1"].summary.max
    assert metrics["bentham/val/utility_pair_acc"].summary.max
    assert metrics["surd/val/mae"].summary.min
    assert metrics["emotion/val/loss"].summary.min
    assert metrics["val/loss"].summary.min
    assert metrics["emotion/val/macro_f1"].step_metric == "trainer/global_step"
    assert "emotion/train/macro_f1" not in metrics  # training values: the last, W&B's default
    # The run's summary holds the best of each, under the task-first key (an offline run
    # keeps it as summary records; `wandb sync` uploads them).
    summary = {u.key or u.nested_key[0]: json.loads(u.value_json) for r in records
               if r.WhichOneof("record_type") == "summary" for u in r.summary.update}  # fmt: skip
    assert set(summary["emotion/val/macro_f1"]) == {"max"}
    assert set(summary["surd/val/mae"]) == {"min"}
    assert set(summary["val/loss"]) == {"min"}
    assert isinstance(summary["emotion/train/macro_f1"], float)  # the last value


def test_tensorboard_has_the_figures_and_texts(run_dir: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (version,) = (run_dir / "tensorboard").glob("version_*")
    events = EventAccumulator(str(version), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    images = set(events.Tags()["images"])
    for stage in ("val", "test"):
        assert {f"{stage}/{key}" for key in FIGURE_TITLES} <= images
    texts = set(events.Tags()["tensors"])
    assert {"val/samples", "test/samples", "run/metadata"} <= {
        t.removesuffix("/text_summary") for t in texts
    }


@pytest.mark.slow
def test_multirun_jobs_are_separate_wandb_runs_grouped_by_sweep(tmp_path: Path) -> None:
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    args = ["-m", "seed=1,2", "logger=wandb", "test=false", "callbacks.dashboards=null",
            "callbacks.model_checkpoint=null", "+trainer.limit_train_batches=2",
            "+trainer.limit_val_batches=1", f"hydra.sweep.dir={tmp_path / 'sweep'}",
            *[q for q in QUICK if not q.startswith(("+trainer.limit", "callbacks.dashboards"))]]  # fmt: skip
    result = subprocess.run([sys.executable, "train.py", *args], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = sorted((tmp_path / "sweep").glob("*/wandb/offline-run-*/run-*.wandb"))
    assert [p.parts[-4] for p in runs] == ["0", "1"]  # one W&B run per job
    groups, ids = set(), set()
    for path in runs:
        records = wandb_records(path)
        (run,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
        groups.add(run.run_group)
        ids.add(run.run_id)
        assert records[-1].WhichOneof("record_type") == "exit"  # finished before the next job
    assert groups == {"train-sweep-sweep"}
    assert len(ids) == 2
