"""DDP on 2 CPU processes (gloo) through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

QUIET = ["print_config=false", "callbacks.progress_bar=null", "trainer.enable_progress_bar=false",
         "trainer.enable_model_summary=false"]  # fmt: skip


def run_cli(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        [sys.executable, "train.py", *args, *QUIET],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_ddp_two_cpu_processes_agree_on_metrics(tmp_path: Path) -> None:
    run_cli(["experiment=tiny", "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2",
             "trainer.max_epochs=1", f"hydra.run.dir={tmp_path}"])  # fmt: skip
    rank0 = json.loads((tmp_path / "metrics.json").read_text())
    rank1 = json.loads((tmp_path / "metrics.rank1.json").read_text())
    evaluated = [k for k in rank0 if k.startswith(("val/", "test/"))]
    assert "val/loss" in evaluated
    assert "val/emotion/macro_f1" in evaluated
    for key in evaluated:
        assert rank0[key] == pytest.approx(rank1[key], abs=1e-7), key
    # The dashboards ran on rank 0 only, and neither rank waited forever for the other.
    assert (tmp_path / "dashboards" / "test" / "samples.json").is_file()
