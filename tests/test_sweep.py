"""A real Optuna sweep through Hydra's multirun, on CPU."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from .test_distributed import run_cli


@pytest.mark.slow
def test_optuna_sweep_reports_best_value(tmp_path: Path) -> None:
    result = run_cli(["-m", "hparams_search=optuna", "experiment=tiny", "hydra.sweeper.n_trials=3",
                      "trainer.max_epochs=1", "callbacks.dashboards=null",
                      f"hydra.sweep.dir={tmp_path}"])  # fmt: skip
    summary = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())
    assert math.isfinite(summary["best_value"])
    assert set(summary["best_params"]) == {"optimizer.lr", "data.batch_size", "model.weight_decay"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["0", "1", "2"]
    assert "Best value" in result.stdout + result.stderr
