"""The 8 GB claim, measured: full_330m with trainer=8gb on a real GPU (skipped without CUDA).

Every text is as long as the tokenizer allows (512 bytes) and a third carry a
counterfactual, so the measured peak is the worst case of the documented recipe.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from redheart_lit.cli.train import train

BUDGET_GIB = 7.5
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _long_records(path: Path, n: int) -> None:
    sentence = "I promised to help my neighbour move, then went to the beach instead. "
    with path.open("w") as handle:
        for i in range(n):
            record = {
                "id": f"long-{i}",
                "text": (sentence * 10)[:600],
                "lang": "en",
                "labels": {"emotion": [24, 25], "acceptability": 0, "regret": 0.8},
            }
            if i % 3 == 0:
                record["counterfactual"] = ("I helped my neighbour move. " * 25)[:600]
                record["labels"]["utility_pref"] = 0
            handle.write(json.dumps(record) + "\n")


def _config(tiny_cfg, tmp_path: Path):  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "val"):
        _long_records(data / f"{split}.jsonl", 64)
    return tiny_cfg(
        # data=sample: the real mixture is not here; the run reads 64 long records instead.
        "experiment=full_330m", "trainer=8gb", "data=sample", "++trainer.max_steps=4",
        "++trainer.limit_val_batches=0", "test=false", f"data.root={data}",
        "data.splits={train: train.jsonl, val: val.jsonl}", "callbacks.model_checkpoint=null",
        "callbacks.early_stopping=null", "logger=none",
    )  # fmt: skip


def test_the_gpu_run_composes(tiny_cfg, tmp_path: Path) -> None:
    # Composed on every machine, so the GPU-only test below cannot rot where no GPU runs it.
    cfg = _config(tiny_cfg, tmp_path)
    assert cfg.trainer.max_steps == 4
    assert cfg.trainer.precision == "bf16-mixed"
    assert cfg.model.config.gradient_checkpointing
    assert cfg.optimizer.eight_bit


@pytest.mark.gpu
@needs_gpu
def test_full_330m_trains_inside_the_8gb_budget(tiny_cfg, tmp_path: Path) -> None:
    cfg = _config(tiny_cfg, tmp_path)
    torch.cuda.reset_peak_memory_stats()
    train(cfg)
    peak = torch.cuda.max_memory_allocated() / 1024**3
    reserved = torch.cuda.max_memory_reserved() / 1024**3
    print(
        f"{torch.cuda.get_device_name()}: peak allocated {peak:.2f} GiB, reserved {reserved:.2f} GiB"
    )
    assert peak < BUDGET_GIB
