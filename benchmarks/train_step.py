"""Training throughput: our Lightning step against the loops a user would write instead.

    python benchmarks/train_step.py [--models tiny small] [--steps 40] [--warmup 5]
        [--rounds 7] [--comparison-rounds 2] [--compare eight_bit compile] [--threads N]
        [--out docs/bench/train_step.json]

For each model size, three ways train the same model on the same data with the same
optimizer, schedule, gradient clipping and precision, each built from the same composed
config (``experiment=tiny`` or ``experiment=sample_small``, the sample data, batch 16):

* ``lightning``: ``MultiTaskModule`` under ``lightning.Trainer``, as ``python train.py``
  runs it (its training step logs the loss and updates the training metrics every step)
  with validation, checkpoints, logger and progress bar off;
* ``plain``: a hand-written PyTorch loop: forward and loss (``module.batch_loss``),
  backward, clip, step;
* ``hf``: Hugging Face ``transformers.Trainer`` wrapping the same module and loss.

Each round runs all three in turn, in a rotating order, in this process; samples/s is
timed from the end of the last warm-up step to the end of the last step, and a ratio is
the median over rounds of the two ways' ratio within a round. ``--compare`` picks
further side-by-side pairs of our step: ``eight_bit`` (AdamW against 8-bit AdamW: step time and measured optimizer-state
bytes) and ``compile`` (``model.compile=true`` against eager). Prints one JSON object and
writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from common import machine
from harness import BARE, MODEL_EXPERIMENTS, LightningClock, StepClock, build, compose_run
from hydra.utils import instantiate
from omegaconf import DictConfig
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.optim import optimizer_state_bytes, parameter_groups
from redheart_lit.tasks import MultiTaskModule

WAYS = ("lightning", "plain", "hf")


def _config(model: str, steps: int, run_dir: Path, extra: list[str]) -> DictConfig:
    overrides = [MODEL_EXPERIMENTS[model], *BARE, f"++trainer.max_steps={steps}", *extra]
    cfg = compose_run(overrides, run_dir)
    if cfg.trainer.accumulate_grad_batches != 1:
        raise ValueError("the loops compared here take one micro-batch per step; set memory=none")
    if str(cfg.trainer.precision) not in ("32-true", "bf16-mixed"):
        raise ValueError(
            f"trainer.precision={cfg.trainer.precision}: compared are 32-true, bf16-mixed"
        )
    return cfg


def _autocast(cfg: DictConfig) -> contextlib.AbstractContextManager:
    if str(cfg.trainer.precision) == "bf16-mixed":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def run_lightning(cfg: DictConfig) -> tuple[StepClock, Any]:
    """Our training step: the configured ``MultiTaskModule`` under ``lightning.Trainer``."""
    parts = build(cfg)
    clock = StepClock()
    trainer = instantiate(cfg.trainer, callbacks=[LightningClock(clock)], logger=False)
    trainer.fit(parts.module, datamodule=parts.datamodule)
    return clock, trainer.optimizers[0]


def _batches(loader: torch.utils.data.DataLoader) -> Iterator[Batch]:
    """Epoch after epoch, each with its own order, as Lightning's loop draws them."""
    epoch = 0
    while True:
        if hasattr(loader.sampler, "set_epoch"):
            loader.sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def run_plain(cfg: DictConfig) -> tuple[StepClock, Any]:
    """The loop a user writes by hand for the same model, loss, optimizer and schedule."""
    parts = build(cfg)
    module = parts.module
    parts.datamodule.setup("fit")
    loader = parts.datamodule.train_dataloader()
    steps = int(cfg.trainer.max_steps)
    optimizer, scheduler = _optimizer_and_schedule(module, steps)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    clip = cfg.trainer.gradient_clip_val
    module.train()
    clock = StepClock()
    for step, batch in enumerate(_batches(loader)):
        if step == steps:
            break
        with _autocast(cfg):
            total = module.batch_loss(batch)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        scheduler.step()
        clock.add(len(batch))
        clock.tick(total.item())
    return clock, optimizer


def _optimizer_and_schedule(module: MultiTaskModule, steps: int) -> tuple[Any, Any]:
    """The module's configured optimizer and schedule, built as ``configure_optimizers``
    builds them, for the loops that run without a Trainer."""
    groups = parameter_groups(module.training_modules(), module.weight_decay)
    optimizer = module.optimizer_factory(groups)
    return optimizer, module.scheduler_factory(optimizer, total_steps=steps)


class _LossOf(nn.Module):
    """The module, with a forward that returns ``{"loss": ...}`` as HF expects.

    Not kept as ``self.module``: HF's ``unwrap_model`` would take that for a wrapper (DDP)
    and unwrap it.
    """

    def __init__(self, module: MultiTaskModule) -> None:
        super().__init__()
        self.multitask = module
        self.last_loss = float("nan")

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        total = self.multitask.batch_loss(batch)
        self.last_loss = float(total.detach())
        return {"loss": total}


class _KeywordBatches:
    """Our loader, each batch handed over as the keyword arguments ``{"batch": batch}``.

    The HF Trainer expects mappings of model arguments; the collated batch stays as it is.
    """

    def __init__(self, loader: torch.utils.data.DataLoader, clock: StepClock) -> None:
        self.loader, self.clock, self.epoch = loader, clock, 0

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[dict[str, Batch]]:
        if hasattr(self.loader.sampler, "set_epoch"):
            self.loader.sampler.set_epoch(self.epoch)
        self.epoch += 1
        for batch in self.loader:
            self.clock.add(len(batch))
            yield {"batch": batch}


def run_hf(cfg: DictConfig, out_dir: Path) -> tuple[StepClock, Any]:
    """Hugging Face's ``Trainer`` around the same model, data, optimizer and schedule."""
    from transformers import Trainer, TrainerCallback, TrainingArguments

    parts = build(cfg)
    module = parts.module
    wrapped = _LossOf(module)
    parts.datamodule.setup("fit")
    clock = StepClock()
    batches = _KeywordBatches(parts.datamodule.train_dataloader(), clock)
    steps = int(cfg.trainer.max_steps)
    optimizer, scheduler = _optimizer_and_schedule(module, steps)

    class BatchTrainer(Trainer):
        # Our batches are collated already: the Trainer takes our loader as it is.
        def get_train_dataloader(self) -> Any:
            return batches

    class Tick(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            clock.tick(wrapped.last_loss)

    args = TrainingArguments(
        output_dir=str(out_dir),
        max_steps=steps,
        max_grad_norm=float(cfg.trainer.gradient_clip_val or 0.0),
        gradient_accumulation_steps=1,
        bf16=str(cfg.trainer.precision) == "bf16-mixed",
        use_cpu=True,
        seed=int(cfg.seed),
        logging_strategy="no",
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = BatchTrainer(
        model=wrapped, args=args, optimizers=(optimizer, scheduler), callbacks=[Tick()]
    )
    trainer.train()
    return clock, optimizer


def run_way(way: str, cfg: DictConfig, run_dir: Path) -> tuple[StepClock, Any]:
    if way == "lightning":
        return run_lightning(cfg)
    if way == "plain":
        return run_plain(cfg)
    if way == "hf":
        return run_hf(cfg, run_dir / "hf")
    raise ValueError(f"unknown way {way!r}; choose from {WAYS}")


def _rounds(
    ways: dict[str, Callable[[], tuple[StepClock, Any]]], rounds: int, warmup: int
) -> dict[str, dict[str, Any]]:
    """Run every way ``rounds`` times, rotating the order; samples/s of each run."""
    names = list(ways)
    result: dict[str, dict[str, Any]] = {name: {"samples_per_s": []} for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            clock, optimizer = ways[name]()
            entry = result[name]
            entry["samples_per_s"].append(round(clock.samples_per_s(warmup), 2))
            entry["first_losses"] = [round(x, 6) for x in clock.losses[:3]]
            entry["optimizer"] = type(optimizer).__name__
            entry["optimizer_state_bytes"] = optimizer_state_bytes(optimizer)
    for entry in result.values():
        entry["median_samples_per_s"] = round(statistics.median(entry["samples_per_s"]), 2)
    return result


def _ratio(result: dict[str, dict[str, Any]], a: str, b: str) -> float:
    """Median over rounds of ``a``'s samples/s over ``b``'s in the same round.

    Pairs within a round ran minutes apart at most, so a machine that speeds up or slows
    down over the run (a shared host does) moves both sides of each pair alike.
    """
    pairs = zip(result[a]["samples_per_s"], result[b]["samples_per_s"], strict=True)
    return round(statistics.median(x / y for x, y in pairs), 3)


def frameworks(model: str, steps: int, warmup: int, rounds: int, tmp: Path) -> dict[str, Any]:
    cfg = _config(model, warmup + steps, tmp, [])
    ways = {way: (lambda way=way: run_way(way, cfg, tmp)) for way in WAYS}
    result = _rounds(ways, rounds, warmup)
    return {
        "model": model,
        "batch_size": int(cfg.data.batch_size),
        "precision": str(cfg.trainer.precision),
        "ways": result,
        "lightning_over_plain": _ratio(result, "lightning", "plain"),
        "lightning_over_hf": _ratio(result, "lightning", "hf"),
    }


def side_by_side(
    model: str, pair: dict[str, list[str]], steps: int, warmup: int, rounds: int, tmp: Path
) -> dict[str, Any]:
    """Our step under two sets of overrides, e.g. 32-bit against 8-bit AdamW."""
    configs = {name: _config(model, warmup + steps, tmp, extra) for name, extra in pair.items()}
    ways = {name: (lambda cfg=cfg: run_lightning(cfg)) for name, cfg in configs.items()}
    result = _rounds(ways, rounds, warmup)
    first, second = list(pair)
    return {
        "model": model,
        "overrides": pair,
        "runs": result,
        f"{second}_over_{first}_samples_per_s": _ratio(result, second, first),
        f"{second}_over_{first}_state_bytes": round(
            result[second]["optimizer_state_bytes"] / result[first]["optimizer_state_bytes"], 4
        ),
    }


def state_bytes_at_full_size(tmp: Path) -> dict[str, Any]:
    """Optimizer-state bytes of AdamW and 8-bit AdamW for the full ~330M model.

    One update with random gradients allocates the whole state; the forward pass is not
    needed for that. torchao compiles its update per parameter shape, which takes minutes
    on CPU, so the update runs eagerly here: the state it allocates is the same.
    """
    from redheart_lit.model import ModelConfig
    from redheart_lit.optim import adamw
    from redheart_lit.tasks.readout.net import MultiTaskNet

    cfg = compose_run(["experiment=full_330m"], tmp)
    torch.manual_seed(0)
    model = MultiTaskNet(ModelConfig.from_dict(cfg.model.config))
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    row: dict[str, Any] = {"model": "full_330m", "parameters": params}
    compile_ = torch.compile
    torch.compile = lambda fn=None, **kwargs: fn  # type: ignore[assignment]
    try:
        for name, eight_bit in (("adamw", False), ("adamw_8bit", True)):
            optimizer = adamw(parameter_groups([model], 0.01), eight_bit=eight_bit)
            optimizer.step()
            row[f"{name}_state_bytes"] = optimizer_state_bytes(optimizer)
            row[f"{name}_optimizer"] = type(optimizer).__name__
            del optimizer
    finally:
        torch.compile = compile_
    row["adamw_8bit_over_adamw_state_bytes"] = round(
        row["adamw_8bit_state_bytes"] / row["adamw_state_bytes"], 4
    )
    row["adamw_bytes_per_parameter"] = round(row["adamw_state_bytes"] / params, 3)
    row["adamw_8bit_bytes_per_parameter"] = round(row["adamw_8bit_state_bytes"] / params, 3)
    return row


# Where a profiled step's Python time goes: the first pattern a function's file holds.
_PROFILE_GROUPS = (
    ("lightning_utilities", "lightning"),
    ("site-packages/lightning/", "lightning"),
    ("torchmetrics", "torchmetrics"),
    ("redheart_lit/tasks/stage_metrics", "redheart_lit metrics"),
    ("redheart_lit", "redheart_lit model, loss, data"),
    ("transformers", "transformers"),
    ("accelerate", "transformers"),
    ("torch/optim", "torch.optim"),
    ("torch/", "torch (Python)"),
)


def profile(model: str, steps: int, warmup: int, tmp: Path) -> dict[str, Any]:
    """Each way once under cProfile: milliseconds per step of own time, by package.

    cProfile slows Python code, not the kernels, so it overstates the frameworks' share;
    it tells where the difference between the ways lies, not its size.
    """
    import cProfile
    import pstats

    cfg = _config(model, warmup + steps, tmp, [])
    result: dict[str, Any] = {"model": model, "steps": warmup + steps, "ms_per_step": {}}
    for way in WAYS:
        run_way(way, cfg, tmp)  # imports and caches warm, as in the timed runs
        profiler = cProfile.Profile()
        profiler.enable()
        run_way(way, cfg, tmp)
        profiler.disable()
        groups: dict[str, float] = {}
        for (file, _, _), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
            default = "C++ (kernels, autograd, builtins)" if file == "~" else "other Python"
            group = next((g for pattern, g in _PROFILE_GROUPS if pattern in file), default)
            groups[group] = groups.get(group, 0.0) + own
        total = warmup + steps
        result["ms_per_step"][way] = {
            g: round(t / total * 1000, 3) for g, t in sorted(groups.items(), key=lambda x: -x[1])
        }
    return result


COMPARISONS = {
    "eight_bit": {"adamw": ["memory.optimizer_8bit=false"], "adamw_8bit": ["memory.optimizer_8bit=true"]},
    "compile": {"eager": ["model.compile=false"], "compiled": ["model.compile=true"]},
}  # fmt: skip


def _timings(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"steps": args.steps, "warmup": args.warmup,
                              "rounds": args.rounds, "comparison_rounds": args.comparison_rounds,
                              "frameworks": [], "comparisons": {}}  # fmt: skip
    for model in args.models:
        report["frameworks"].append(frameworks(model, args.steps, args.warmup, args.rounds, tmp))
        for name in args.compare:
            report["comparisons"].setdefault(name, []).append(
                side_by_side(model, COMPARISONS[name], args.steps, args.warmup,
                             args.comparison_rounds, tmp)
            )  # fmt: skip
    if "eight_bit" in args.compare:
        report["eight_bit_state_full_size"] = state_bytes_at_full_size(tmp)
    return report


def _profiles(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    return {"profiles": [profile(m, args.steps, args.warmup, tmp) for m in args.models]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["tiny", "small"], choices=MODEL_EXPERIMENTS)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the three loops")
    parser.add_argument(
        "--comparison-rounds", type=int, default=2,
        help="rounds of each --compare pair (compiling makes them slow)",
    )  # fmt: skip
    parser.add_argument("--compare", nargs="*", default=list(COMPARISONS), choices=COMPARISONS)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument(
        "--profile", action="store_true",
        help="instead of timing, profile each way once (cProfile) and report time by package",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    report: dict[str, Any] = {
        "command": " ".join(["python benchmarks/train_step.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        report |= _profiles(args, Path(tmp)) if args.profile else _timings(args, Path(tmp))
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return report


if __name__ == "__main__":
    main()
