"""Loading training checkpoints: errors name the file; missing state is refused, not patched."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from tests.conftest import run_eval
from tests.helpers import tiny_config

from redheart_lit.tasks import MultiTaskModule
from redheart_lit.training.checkpoint import CheckpointError, load_checkpoint


def test_checkpoint_without_thresholds_is_rejected_not_patched(tmp_path: Path) -> None:
    # No fallback: a checkpoint that lacks state the model needs is the wrong checkpoint.
    module = MultiTaskModule(tiny_config())
    prefix = "tasks.emotion.readout.thresholds."
    state = {k: v for k, v in module.state_dict().items() if not k.startswith(prefix)}
    old = {"state_dict": state, "hyper_parameters": dict(module.hparams),
           "pytorch-lightning_version": L.__version__}  # fmt: skip
    torch.save(old, tmp_path / "old.ckpt")
    with pytest.raises(CheckpointError, match=r"tasks\.emotion\.readout\.thresholds"):
        load_checkpoint(tmp_path / "old.ckpt")


def test_missing_checkpoint_fails_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no_such.ckpt"
    result = run_eval([f"ckpt={missing}", f"hydra.run.dir={tmp_path / 'eval'}"])
    assert result.returncode != 0
    assert f"{missing}: no such checkpoint file" in result.stderr + result.stdout


def test_corrupt_and_wrong_checkpoints_fail_naming_the_path(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match=f"{corrupt}: not a PyTorch checkpoint"):
        load_checkpoint(corrupt)
    wrong = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, wrong)  # a tensor file, not a Lightning checkpoint
    with pytest.raises(CheckpointError, match=f"{wrong}: not a loadable redheart_lit checkpoint"):
        load_checkpoint(wrong)
