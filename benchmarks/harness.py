"""What every training benchmark shares: composed configs, built runs, a step clock.

The benchmarks build their objects from the same composed Hydra config as ``python
train.py`` (``compose_run``, ``build``), so a benchmark measures the configured run, not a
copy of it. ``StepClock`` records when each optimizer step ended and how many samples it
took; ``LightningClock`` feeds it from Lightning's hooks, the other loops call ``tick``.
What benchmarks report alike (the machine, percentiles, memory) is in ``common.py``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
from common import ROOT
from omegaconf import DictConfig
from torch import nn

from redheart_lit.cli import compose
from redheart_lit.cli.train import instantiate_run
from redheart_lit.model.trunk import set_gradient_checkpointing
from redheart_lit.tasks import MultiTaskModule

MODEL_EXPERIMENTS = {"tiny": "experiment=tiny", "small": "experiment=sample_small"}
# A bare training run: no validation, checkpoints, logger or progress bar, so the loop
# that is timed is the training step and its data loading, as in the hand-written loops.
BARE = [
    "print_config=false",
    "test=false",
    "logger=none",
    "callbacks=none",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
    "++trainer.enable_checkpointing=false",
    "++trainer.limit_val_batches=0",
    "++trainer.num_sanity_val_steps=0",
    "trainer.max_epochs=-1",
]


SAMPLE = ROOT / "data" / "sample"


def sample_rows(split: str) -> list[dict[str, Any]]:
    """The records of ``data/sample/<split>.jsonl``, the base of every benchmark's data."""
    path = SAMPLE / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def data_overrides(root: Path) -> list[str]:
    """Overrides that train on ``root/train.jsonl`` and validate on ``root/val.jsonl``.

    ``data=sample`` first: an experiment may pick another data option (``full_330m`` reads
    the real mixture), whose reader does not take a folder of JSONL files."""
    return ["data=sample", f"data.root={root}", "data.splits={train: train.jsonl, val: val.jsonl}"]


def compose_run(overrides: list[str], run_dir: Path) -> DictConfig:
    """``conf/train.yaml`` composed as ``python train.py OVERRIDES`` would, writing to ``run_dir``."""
    return compose.compose_run(overrides, run_dir, ROOT)


@dataclass
class Parts:
    """The objects of one configured run, built the way ``redheart_lit.cli.train`` builds them."""

    datamodule: L.LightningDataModule
    module: MultiTaskModule  # with its losses, weighting, optimizer and scheduler factories


def build(cfg: DictConfig) -> Parts:
    return Parts(*instantiate_run(cfg))


def network_parameters(module: MultiTaskModule) -> list[nn.Parameter]:
    """The network's parameters: the trunk and the task readouts, what an export holds.

    Learned loss weights (``module.weighting``) are training state, not the model, so a
    parameter count leaves them out.
    """
    parts = [module.trunk, *module.readouts().values()]
    return [p for part in parts for p in part.parameters()]


def checkpoint_network(module: MultiTaskModule, enabled: bool) -> None:
    """Gradient checkpointing on every transformer block: trunk and task analyzers.

    ``Trunk.set_gradient_checkpointing`` covers the trunk only; the analyzers live in the
    readouts.
    """
    module.trunk.set_gradient_checkpointing(enabled)
    for readout in module.readouts().values():
        set_gradient_checkpointing(readout, enabled)


@dataclass
class StepClock:
    """End time and sample count of every optimizer step."""

    ends: list[float] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    _pending: int = 0

    def add(self, samples: int) -> None:
        """Samples of a micro-batch of the step under way."""
        self._pending += samples

    def tick(self, loss: float | None = None) -> None:
        """The step under way has ended."""
        self.ends.append(time.perf_counter())
        self.samples.append(self._pending)
        self._pending = 0
        if loss is not None:
            self.losses.append(loss)

    def _timed(self, warmup: int) -> tuple[float, int]:
        """Seconds and steps after the first ``warmup`` steps, which are not timed.

        The clock starts when the last warm-up step ends, so at least one is needed.
        """
        if warmup < 1:
            raise ValueError("warmup must be >= 1: timing starts when the last warm-up step ends")
        if len(self.ends) <= warmup:
            raise ValueError(f"{len(self.ends)} steps timed; need more than warmup={warmup}")
        return self.ends[-1] - self.ends[warmup - 1], len(self.ends) - warmup

    def samples_per_s(self, warmup: int) -> float:
        """Samples per second of the steps after the first ``warmup``."""
        seconds, _ = self._timed(warmup)
        return sum(self.samples[warmup:]) / seconds

    def seconds_per_step(self, warmup: int) -> float:
        seconds, steps = self._timed(warmup)
        return seconds / steps


class LightningClock(L.Callback):
    """Feeds a :class:`StepClock` from Lightning: one tick per optimizer step."""

    def __init__(self, clock: StepClock) -> None:
        self.clock = clock

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        self.clock.add(len(batch))
        if (batch_idx + 1) % trainer.accumulate_grad_batches == 0:
            loss = outputs["loss"] if isinstance(outputs, dict) else outputs
            self.clock.tick(float(loss) if loss is not None else None)
