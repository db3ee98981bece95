"""One timed training run of benchmarks/gpu.py: memory, samples/s, MFU.

Each run (the main one and every ablation) is the Lightning run that ``python train.py``
builds from the composed config, in this process, one after another; :func:`free_memory`
between them makes each run's peak memory its own.
"""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from common import peak_rss_mib
from gpu_peak import Peak, mfu
from harness import LightningClock, StepClock, build, compose_run
from hydra.utils import instantiate
from omegaconf import DictConfig

from redheart_lit.optim import optimizer_state_bytes

GIB = 1024**3


def free_memory() -> None:
    """Drop what the last run left, so the next run's peak memory is its own."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


class GraphCount(L.Callback):
    """torch.compile graphs compiled so far, at the end of every optimizer step.

    Compiled code (``model.compile=true``, torchao's 8-bit step) recompiles when a shape it
    specialised on changes, e.g. the number of counterfactual rows in a micro-batch; a
    recompilation inside the timed steps makes the mean step time say little, so the
    report counts them.
    """

    def __init__(self) -> None:
        self.graphs: list[int] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        if (batch_idx + 1) % trainer.accumulate_grad_batches == 0:
            self.graphs.append(int(torch._dynamo.utils.counters["stats"]["unique_graphs"]))


def trainer_for(cfg: DictConfig, steps: int, callbacks: list[L.Callback]) -> L.Trainer:
    """The configured Trainer for exactly ``steps`` optimizer steps, logging and saving nothing."""
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=callbacks, logger=False, enable_checkpointing=False,
        max_steps=steps,
    )  # fmt: skip
    return trainer


def training_run(
    name: str, overrides: list[str], work: Path, warmup: int, steps: int, flops: dict[str, Any],
    peak: Peak | None,
) -> dict[str, Any]:  # fmt: skip
    """Train ``warmup + steps`` optimizer steps; time the last ``steps``.

    The clock starts at the end of the last warm-up step, so the first step (allocator,
    kernel selection, the optimizer's lazy state, compilation) is never timed.
    """
    cfg = compose_run(overrides, work / name)
    parts = build(cfg)
    clock, graphs = StepClock(), GraphCount()
    trainer = trainer_for(cfg, warmup + steps, [LightningClock(clock), graphs])
    cuda = trainer.strategy.root_device.type == "cuda"
    free_memory()
    at_start = torch.cuda.memory_allocated() / GIB if cuda else None
    started = time.perf_counter()
    trainer.fit(parts.module, datamodule=parts.datamodule)
    wall = time.perf_counter() - started
    micro, accumulate = int(cfg.data.batch_size), int(trainer.accumulate_grad_batches)
    if len(clock.ends) != warmup + steps or set(clock.samples) != {micro * accumulate}:
        raise RuntimeError(
            f"run {name}: expected {warmup + steps} full steps of {micro * accumulate} samples, "
            f"timed {len(clock.ends)} with {sorted(set(clock.samples))} samples"
        )
    samples_per_s = clock.samples_per_s(warmup)
    timed = clock.ends[warmup - 1 :]
    step_s = [b - a for a, b in itertools.pairwise(timed)]
    flops_per_sample = flops["flops_per_sample"]
    # Hardware FLOPs include the forward pass that checkpointing repeats in the backward.
    hardware = flops["hardware_flops_per_sample_with_checkpointing"]
    hardware = hardware if cfg.memory.gradient_checkpointing else flops_per_sample
    optimizer = trainer.optimizers[0]
    row: dict[str, Any] = {
        "name": name,
        "precision": str(cfg.trainer.precision),
        "gradient_checkpointing": bool(cfg.memory.gradient_checkpointing),
        "optimizer_8bit": bool(cfg.memory.optimizer_8bit),
        "compile": bool(cfg.model.compile),
        "optimizer": f"{type(optimizer).__module__}.{type(optimizer).__qualname__}",
        "optimizer_state_mib": round(optimizer_state_bytes(optimizer) / 2**20, 1),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "micro_batch": micro,
        "accumulate_grad_batches": accumulate,
        "max_length": int(cfg.model.config.tokenizer.max_length),
        "warmup_steps": warmup,
        "timed_steps": steps,
        "wall_s_with_warmup": round(wall, 2),
        "samples_per_s": round(samples_per_s, 2),
        "median_step_s": round(statistics.median(step_s), 4),
        "samples_per_s_at_median_step": round(micro * accumulate / statistics.median(step_s), 2),
        "graphs_compiled_while_timed": graphs.graphs[-1] - graphs.graphs[warmup - 1],
        "step_s": [round(s, 4) for s in step_s],
        "last_loss": round(clock.losses[-1], 4) if clock.losses else None,
        "achieved_tflops": round(flops_per_sample * samples_per_s / 1e12, 3),
        "mfu": round(mfu(flops_per_sample, samples_per_s, peak.flops), 4) if peak else None,
        "hfu": round(mfu(hardware, samples_per_s, peak.flops), 4) if peak else None,
    }
    if peak is None:
        row["mfu_reason"] = "no GPU: the --tiny run is on CPU"
    if cuda:
        row |= {
            "allocated_at_start_gib": round(at_start or 0.0, 3),
            "peak_allocated_gib": round(torch.cuda.max_memory_allocated() / GIB, 3),
            "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / GIB, 3),
        }
    else:
        row |= {
            "peak_allocated_gib": None,
            "peak_reserved_gib": None,
            "memory_reason": "no GPU",
            "process_peak_rss_mib": round(peak_rss_mib(), 1),
        }
    del trainer, parts, optimizer
    if row["compile"]:
        torch._dynamo.reset()
    free_memory()
    return row
