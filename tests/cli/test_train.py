"""End-to-end training runs of the CLI's ``train`` on the tiny model (CPU)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from redheart_lit.cli.train import run, train

EXPERIMENTS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "conf" / "experiment").glob("*.yaml")
)


def _csv_rows(run_dir: Path) -> list[dict[str, str]]:
    (path,) = run_dir.glob("csv/version_*/metrics.csv")
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _epoch_values(run_dir: Path, key: str) -> list[float]:
    return [float(r[key]) for r in _csv_rows(run_dir) if r.get(key)]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_runs_fast_dev_run(tiny_cfg, experiment: str) -> None:
    # Experiments pick their own model; `model=tiny` after them keeps the run tiny.
    # `data=sample`: the experiment's own dataset is covered by the reader tests; here
    # the point is that its model, encoder and loss settings build and run.
    cfg = tiny_cfg(f"experiment={experiment}", "model=tiny", "data=sample", "debug=fast_dev_run")
    metrics, _ = train(cfg)
    assert "train/loss" in metrics
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values())


def test_default_run_learns_and_reports_per_task_metrics(tiny_cfg, tmp_path: Path) -> None:
    cfg = tiny_cfg("trainer.max_epochs=4", "callbacks.early_stopping=null")
    value = run(cfg)
    losses = _epoch_values(tmp_path, "val/loss")
    assert len(losses) == 4
    assert losses[-1] < losses[0], f"validation loss did not fall: {losses}"
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert value == pytest.approx(metrics["val/loss"])
    for key in ("val/emotion/macro_f1", "val/bentham/acceptability_acc", "val/regret/mae",
                "val/surd/mae", "test/emotion/micro_f1", "test/bentham/utility_pair_acc"):  # fmt: skip
        assert key in metrics, f"{key} missing from {sorted(metrics)}"
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
    # The step loss reaches the logger every log_every_n_steps (10) of the 56 steps.
    steps = [int(r["step"]) for r in _csv_rows(tmp_path) if r.get("train/loss_step")]
    assert steps == [9, 19, 29, 39, 49]


def test_overfit_a_fixed_batch_loses_90_percent(tiny_cfg, tmp_path: Path) -> None:
    # The default gradient clipping stays on: without it, lr 1e-2 spikes late in the run on
    # some thread counts (the last epoch's loss then depends on the summation order).
    cfg = tiny_cfg("debug=overfit", "trainer.overfit_batches=1", "trainer.max_epochs=80",
                   "optimizer.lr=1e-2", "scheduler=none",
                   "loss.emotion.gamma=0.0", "trainer.check_val_every_n_epoch=80")  # fmt: skip
    train(cfg)
    losses = _epoch_values(tmp_path, "train/loss")
    assert losses[-1] <= 0.1 * losses[0], f"first {losses[0]:.4f}, last {losses[-1]:.4f}"


def test_resume_is_exact(tiny_cfg, tmp_path: Path) -> None:
    # A run stopped after epoch 1 and resumed must end where an uninterrupted run ends:
    # same weights to the bit, dropout on (so the RNG state must be restored too).
    common = ("trainer.max_epochs=2", "callbacks.early_stopping=null", "test=false",
              "model.config.backbone.dropout=0.1", "callbacks.model_checkpoint.save_top_k=-1")  # fmt: skip
    straight = train(tiny_cfg(*common, run_dir=tmp_path / "straight"))[1]["module"]
    after_epoch_1 = tmp_path / "straight" / "checkpoints" / "epoch_000.ckpt"
    resumed_cfg = tiny_cfg(*common, f"ckpt_path={after_epoch_1}", run_dir=tmp_path / "resumed")
    resumed = train(resumed_cfg)[1]["module"]
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), f"{name} differs after resume"


@pytest.mark.parametrize("logger", ["csv", "tensorboard", "wandb"])
def test_loggers_write(
    tiny_cfg, tmp_path: Path, logger: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test needs W&B's offline files, whatever WANDB_MODE the user's shell sets.
    monkeypatch.setenv("WANDB_MODE", "offline")
    try:
        train(tiny_cfg(f"logger={logger}", "debug=limit", "trainer.max_epochs=1", "test=false"))
    finally:
        # train() leaves the W&B run open (run() closes it); a later test in this worker
        # would otherwise log into it.
        import wandb

        wandb.finish()
    expected = {"csv": "csv/version_*/metrics.csv", "tensorboard": "tensorboard/**/events.*",
                "wandb": "wandb/offline-run-*/run-*.wandb"}[logger]  # fmt: skip
    assert list(tmp_path.glob(expected)), f"no {expected} under {tmp_path}"


@pytest.mark.parametrize("overrides", [
    ("precision=bf16-mixed",),
    ("memory=low",),
    ("loss/weighting=equal",),
    ("loss/weighting=uncertainty",),
    ("loss/emotion=bce", "loss/regret=mse"),
    ("loss/emotion=asymmetric", "loss/bentham=huber", "loss/regret=bce", "loss/surd=kl"),
    ("experiment=no_aux", "model=tiny"),
])  # fmt: skip
def test_options_train(tiny_cfg, overrides: tuple[str, ...]) -> None:
    metrics, _ = train(tiny_cfg(*overrides, "debug=fast_dev_run"))
    assert torch.isfinite(torch.tensor(metrics["train/loss"]))
