"""Scaling of our training step: samples/s and memory as the sequence and the batch double.

    python benchmarks/scaling.py [--model small] [--seq-lens 64 128 256 512] [--seq-batch 16]
        [--batch-sizes 4 8 16 32 64] [--batch-seq 128] [--warmup 3] [--seconds 6]
        [--min-steps 3] [--max-steps 500] [--threads N] [--out docs/bench/scaling.json]
        [--img-dir docs/img]

Every point (sequence length, batch size) is the Lightning run that ``python train.py``
builds from the composed config (``experiment=sample_small`` for ``--model small``,
``experiment=tiny`` for ``tiny``), bare (no validation, checkpoints, logger or progress
bar), trained on the sample records rewritten so that every text and counterfactual is
``seq_len - 2`` UTF-8 bytes: with the byte tokenizer's BOS and EOS, every sequence the
model sees is exactly ``seq_len`` tokens, and the script checks that it is.

Peak RSS only ever grows within a process, so every point runs in its own child process
(``--point``), which prints one JSON line; this parent collects them, notes the 1-minute
load average before each, writes ``--out`` (JSON) and two figures to ``--img-dir``
(``scaling_seq.png``, ``scaling_batch.png``), and prints the JSON.

Timing: the first ``--warmup`` steps are untimed; the clock starts when the last of them
ends, and steps run until ``--seconds`` have passed and at least ``--min-steps`` were timed
(at most ``--max-steps``). Samples/s is the timed steps' samples over those seconds
(``harness.StepClock``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
import torch
from common import ROOT, machine, peak_rss_mib, rss_mib
from harness import (
    BARE,
    MODEL_EXPERIMENTS,
    LightningClock,
    StepClock,
    build,
    compose_run,
    data_overrides,
    network_parameters,
    sample_rows,
)
from hydra.utils import instantiate

from redheart_lit.tokenizer import ByteTokenizer

SCRIPT = Path(__file__).resolve()
# BOS and EOS: a text of n bytes is n + 2 tokens (redheart_lit/tokenizer.py).
SPECIAL_TOKENS = len(ByteTokenizer(max_length=3).encode("")[0])
# A text must hold at least one whole character (UTF-8 needs up to 4 bytes) after cutting.
MIN_SEQ_LEN = 4 + SPECIAL_TOKENS
HEADROOM = 1.4  # y-axis top over the highest value in the figures
TWIN = {"seq_len": ("tokens_per_s", "tokens/s (text tokens)"), "batch_size": ("s_per_step", "s/step")}  # fmt: skip


# --- data: texts of an exact byte length ----------------------------------------------


def fixed_bytes(text: str, n_bytes: int) -> str:
    """``text`` repeated, then cut to exactly ``n_bytes`` UTF-8 bytes.

    The cut falls on a character boundary (a Korean syllable is 3 bytes, so cutting the
    bytes blindly would leave invalid UTF-8); the 1 to 3 bytes that the boundary leaves
    short are filled with spaces, so the byte count, hence the sequence length, is exact.
    """
    unit = text.strip()
    if not unit:
        raise ValueError("fixed_bytes: text is empty or only whitespace")
    if n_bytes < 4:
        raise ValueError(f"fixed_bytes: n_bytes={n_bytes}; need >= 4 to hold any one character")
    encoded = unit.encode("utf-8")
    repeats = -(-n_bytes // (len(encoded) + 1))  # ceil: enough " "-joined copies
    long = " ".join([unit] * repeats).encode("utf-8")[:n_bytes]
    cut = long.decode("utf-8", errors="ignore")  # drops only a partial last character
    return cut + " " * (n_bytes - len(cut.encode("utf-8")))


def scaled_records(records: Sequence[dict[str, Any]], n_bytes: int, count: int) -> list[dict]:
    """``count`` records cycled from ``records``, texts and counterfactuals ``n_bytes`` long.

    Labels are kept as they are; a record reused on a later cycle gets the suffix ``-rK``
    on its id, because the reader rejects repeated ids.
    """
    if not records:
        raise ValueError("scaled_records: no records to scale")
    out = []
    for i in range(count):
        record = dict(records[i % len(records)])
        cycle = i // len(records)
        if cycle:
            record["id"] = f"{record['id']}-r{cycle}"
        record["text"] = fixed_bytes(record["text"], n_bytes)
        if record.get("counterfactual") is not None:
            record["counterfactual"] = fixed_bytes(record["counterfactual"], n_bytes)
        out.append(record)
    return out


def write_data(root: Path, n_bytes: int, batch_size: int) -> int:
    """Write ``train.jsonl`` and ``val.jsonl`` of fixed-length texts; return train records.

    The training set is the sample's training records, cycled up to a whole number of
    batches (at least one), so that every step sees ``batch_size`` records.
    """
    train = sample_rows("train")
    count = batch_size * max(1, math.ceil(len(train) / batch_size))
    root.mkdir(parents=True, exist_ok=True)
    for name, records, n in (
        ("train.jsonl", train, count),
        ("val.jsonl", sample_rows("val"), batch_size),
    ):
        rows = scaled_records(records, n_bytes, n)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (root / name).write_text(text, encoding="utf-8")
    return count


# --- one point, in its own process ---------------------------------------------------


def length_overrides(max_length: int, max_positions: int, longest: int) -> list[str]:
    """Overrides that let the model take ``longest`` tokens, changing only what must change.

    The tokenizer's ``max_length`` counts BOS and EOS, so it must be at least ``longest``;
    the backbone's position table must be at least the tokenizer's ``max_length``
    (``ModelConfig`` checks this). Every point of one run gets the same overrides, so
    every point trains the same model.
    """
    new_length = max(max_length, longest)
    new_positions = max(max_positions, new_length)
    out = []
    if new_length != max_length:
        out.append(f"model.config.tokenizer.max_length={new_length}")
    if new_positions != max_positions:
        out.append(f"model.config.backbone.max_positions={new_positions}")
    return out


class TimeBudget(L.Callback):
    """Stops the fit once ``seconds`` have been timed over at least ``min_steps`` steps.

    Put after :class:`LightningClock` in the callback list, so the step has been ticked.
    """

    def __init__(self, clock: StepClock, warmup: int, seconds: float, min_steps: int) -> None:
        self.clock, self.warmup, self.seconds, self.min_steps = clock, warmup, seconds, min_steps

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        ends = self.clock.ends
        timed = len(ends) - self.warmup
        if timed >= self.min_steps and ends[-1] - ends[self.warmup - 1] >= self.seconds:
            trainer.should_stop = True


class ShapeLog(L.Callback):
    """Per step: padded text length, rows, counterfactual rows and their padded length."""

    def __init__(self) -> None:
        self.steps: list[tuple[int, int, int, int]] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # type: ignore[no-untyped-def]
        cf = batch.cf_input_ids
        self.steps.append((batch.input_ids.shape[1], len(batch), cf.shape[0], cf.shape[1]))


def run_point(
    model: str,
    seq_len: int,
    batch_size: int,
    longest: int,
    warmup: int,
    seconds: float,
    min_steps: int,
    max_steps: int,
    threads: int | None,
) -> dict[str, Any]:
    """Train one point and measure it; meant to run alone in a fresh process."""
    started = time.perf_counter()
    if threads is not None:
        torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory(prefix="scaling-") as tmp:
        data = Path(tmp) / "data"
        n_train = write_data(data, seq_len - SPECIAL_TOKENS, batch_size)
        base = compose_run([MODEL_EXPERIMENTS[model]], Path(tmp) / "run")
        lengths = length_overrides(
            int(base.model.config.tokenizer.max_length),
            int(base.model.config.backbone.max_positions),
            longest,
        )
        overrides = [
            MODEL_EXPERIMENTS[model],
            *BARE,
            # train.py's min_epochs=1 would keep the fit going past the time budget.
            "trainer.min_epochs=0",
            f"++trainer.max_steps={warmup + max_steps}",  # not in conf/trainer
            *data_overrides(data),
            f"data.batch_size={batch_size}",
            *lengths,
        ]
        cfg = compose_run(overrides, Path(tmp) / "run")
        if int(cfg.trainer.accumulate_grad_batches) != 1:
            raise ValueError("scaling times one micro-batch per step; set memory=none")
        parts = build(cfg)
        rss_before, peak_before = rss_mib(), peak_rss_mib()
        clock, shapes = StepClock(), ShapeLog()
        callbacks = [LightningClock(clock), shapes, TimeBudget(clock, warmup, seconds, min_steps)]
        trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=False)
        trainer.fit(parts.module, datamodule=parts.datamodule)
        peak_after, rss_after = peak_rss_mib(), rss_mib()
    return point_summary(
        clock=clock,
        shapes=shapes.steps,
        warmup=warmup,
        seq_len=seq_len,
        batch_size=batch_size,
        extra={
            "model": model,
            "train_records": n_train,
            "parameters": sum(p.numel() for p in network_parameters(parts.module)),
            "torch_threads": torch.get_num_threads(),
            "model_overrides": lengths,
            "overrides": [o.replace(str(data), "<data>") for o in overrides if o not in BARE],
            "rss_before_fit_mib": round(rss_before, 1),
            "peak_rss_before_fit_mib": round(peak_before, 1),
            "peak_rss_mib": round(peak_after, 1),
            "rss_after_fit_mib": round(rss_after, 1),
            "process_s": round(time.perf_counter() - started, 2),
        },
    )


def point_summary(
    clock: StepClock,
    shapes: list[tuple[int, int, int, int]],
    warmup: int,
    seq_len: int,
    batch_size: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Throughput of the timed steps; fails if any step saw another length or batch size."""
    if len(shapes) != len(clock.ends):
        raise RuntimeError(f"{len(shapes)} batches logged for {len(clock.ends)} optimizer steps")
    wrong = {
        (length, rows, cf_len)
        for length, rows, cf_rows, cf_len in shapes
        if length != seq_len or rows != batch_size or (cf_rows and cf_len != seq_len)
    }
    if wrong:
        raise RuntimeError(
            f"expected every step to be {batch_size} rows of {seq_len} tokens (counterfactuals "
            f"too); saw (length, rows, cf length) {sorted(wrong)}"
        )
    timed = shapes[warmup:]
    seconds = clock.ends[-1] - clock.ends[warmup - 1]
    samples_per_s = clock.samples_per_s(warmup)
    cf_rows = sum(s[2] for s in timed)
    return {
        "seq_len": seq_len,
        "text_bytes": seq_len - SPECIAL_TOKENS,
        "batch_size": batch_size,
        "warmup_steps": warmup,
        "timed_steps": len(timed),
        "timed_s": round(seconds, 4),
        "samples_per_s": round(samples_per_s, 2),
        "tokens_per_s": round(samples_per_s * seq_len, 1),
        # The counterfactuals take a second backbone pass: what the backbone really reads.
        "backbone_tokens_per_s": round((len(timed) * batch_size + cf_rows) * seq_len / seconds, 1),
        "counterfactual_rows_per_step": round(cf_rows / len(timed), 2),
        "s_per_step": round(clock.seconds_per_step(warmup), 4),
        "last_loss": round(clock.losses[-1], 4) if clock.losses else None,
        **extra,
    }


# --- the sweeps, in the parent -------------------------------------------------------


def sweep_points(
    seq_lens: Sequence[int], seq_batch: int, batch_sizes: Sequence[int], batch_seq: int
) -> list[tuple[int, int]]:
    """The ``(seq_len, batch_size)`` points of both sweeps, each once, in run order."""
    points = [(s, seq_batch) for s in seq_lens] + [(batch_seq, b) for b in batch_sizes]
    return list(dict.fromkeys(points))


def parse_point(stdout: str) -> dict[str, Any]:
    """The JSON object on the last line of a ``--point`` child's stdout."""
    lines = stdout.strip().splitlines()
    if not lines:
        raise RuntimeError("the --point child printed nothing on stdout")
    result = json.loads(lines[-1])
    if not isinstance(result, dict):
        raise RuntimeError(f"the --point child's last line is not a JSON object: {lines[-1]!r}")
    return result


def measure(args: argparse.Namespace, seq_len: int, batch_size: int, longest: int) -> dict:
    """Run one point in a fresh Python process and return its JSON, load average included."""
    command = [
        sys.executable, str(SCRIPT), "--point", "--model", args.model,
        "--seq-len", str(seq_len), "--batch-size", str(batch_size), "--longest", str(longest),
        "--warmup", str(args.warmup), "--seconds", str(args.seconds),
        "--min-steps", str(args.min_steps), "--max-steps", str(args.max_steps),
    ]  # fmt: skip
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    load = os.getloadavg()[0]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"point seq_len={seq_len} batch={batch_size} failed ({done.returncode}):\n"
            + done.stderr[-4000:]
        )
    result = parse_point(done.stdout)
    result["load_avg_1m_before"] = round(load, 2)
    return result


def _shown(path: Path) -> str:
    """``path`` relative to the project when it lies inside it (the JSON is committed)."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _label(cfg_model: str, point: dict[str, Any]) -> str:
    return f"{cfg_model} ({point['parameters'] / 1e6:.2f}M parameters)"


def plot_sweep(
    points: list[dict[str, Any]], x_key: str, fixed: str, report: dict[str, Any], path: Path
) -> None:
    """Throughput (left) and memory (right) against ``x_key`` on a log2 axis, to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted(points, key=lambda p: p[x_key])
    xs = [p[x_key] for p in points]
    x_label = {"seq_len": "sequence length (tokens, BOS/EOS included)", "batch_size": "batch size (records)"}[x_key]  # fmt: skip
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))

    left.plot(xs, [p["samples_per_s"] for p in points], "o-", color="tab:blue", label="samples/s")
    left.set_ylabel("samples/s", color="tab:blue")
    # Headroom above the highest point keeps the legends and value labels off the lines.
    left.set_ylim(0, max(p["samples_per_s"] for p in points) * HEADROOM)
    # The second axis: tokens/s where the length varies; along the batch sweep tokens/s
    # is samples/s times a constant, so it shows the step time instead.
    twin_key, twin_label = TWIN[x_key]
    twin = left.twinx()
    twin.plot(xs, [p[twin_key] for p in points], "s--", color="tab:orange", label=twin_label)
    twin.set_ylabel(twin_label, color="tab:orange")
    twin.set_ylim(0, max(p[twin_key] for p in points) * HEADROOM)
    for p in points:
        left.annotate(f"{p['samples_per_s']:.0f}", (p[x_key], p["samples_per_s"]),
                      textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)  # fmt: skip
    left.set_title(f"training throughput ({fixed})")

    right.plot(
        xs, [p["peak_rss_mib"] for p in points], "o-", color="tab:red", label="peak RSS (after fit)"
    )
    right.plot(xs, [p["rss_before_fit_mib"] for p in points], "s--", color="tab:gray", label="RSS before fit (model built)")  # fmt: skip
    for p in points:
        right.annotate(f"{p['peak_rss_mib']:.0f}", (p[x_key], p["peak_rss_mib"]),
                       textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)  # fmt: skip
    right.set_ylabel("resident memory (MiB)")
    right.set_ylim(0, max(p["peak_rss_mib"] for p in points) * HEADROOM)
    right.legend(loc="upper left")
    right.set_title(f"process memory ({fixed})")

    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.minorticks_off()
        ax.set_xlabel(x_label)
        ax.grid(True, alpha=0.3)
    lines = left.get_lines()[:1] + twin.get_lines()
    left.legend(lines, [line.get_label() for line in lines], loc="upper left")

    m = report["machine"]
    title = (
        f"{_label(report['model'], points[0])}: Lightning training step, "
        f"{m['cpu']}, {m['cores']} cores, torch threads: {points[0]['torch_threads']}, "
        f"torch {m['torch']}"
    )
    command = textwrap.fill("$ " + report["command"], width=150)
    fig.suptitle(f"{title}\n{command}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _positive_ints(name: str, values: Sequence[int], minimum: int) -> None:
    bad = [v for v in values if v < minimum]
    if bad:
        raise SystemExit(f"scaling.py: {name} must all be >= {minimum}; got {bad}")
    if len(set(values)) != len(values):
        raise SystemExit(f"scaling.py: {name} repeats a value: {list(values)}")


def _check(args: argparse.Namespace) -> None:
    """Bad flags stop the run before any point is measured, naming the flag."""
    _positive_ints("--seq-lens", args.seq_lens, MIN_SEQ_LEN)
    _positive_ints("--batch-sizes", args.batch_sizes, 1)
    _positive_ints("--seq-batch", [args.seq_batch], 1)
    _positive_ints("--batch-seq", [args.batch_seq], MIN_SEQ_LEN)
    _positive_ints("--warmup", [args.warmup], 1)  # the clock starts when a step ends
    _positive_ints("--min-steps", [args.min_steps], 1)
    if args.threads is not None:
        _positive_ints("--threads", [args.threads], 1)
    if args.max_steps < args.min_steps:
        raise SystemExit(f"scaling.py: --max-steps={args.max_steps} < --min-steps={args.min_steps}")
    if not (args.seconds >= 0 and math.isfinite(args.seconds)):
        raise SystemExit(f"scaling.py: --seconds must be a finite number >= 0; got {args.seconds}")
    if args.point:
        if args.seq_len is None or args.batch_size is None or args.longest is None:
            raise SystemExit("scaling.py: --point needs --seq-len, --batch-size and --longest")
        _positive_ints("--seq-len", [args.seq_len], MIN_SEQ_LEN)
        _positive_ints("--batch-size", [args.batch_size], 1)
        if args.longest < args.seq_len:
            raise SystemExit(f"scaling.py: --longest={args.longest} < --seq-len={args.seq_len}")
    elif (args.seq_len, args.batch_size, args.longest) != (None, None, None):
        raise SystemExit("scaling.py: --seq-len, --batch-size and --longest go with --point only")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="small", choices=sorted(MODEL_EXPERIMENTS))
    p.add_argument("--seq-lens", type=int, nargs="+", default=[64, 128, 256, 512],
                   help="sequence sweep: tokens per text, BOS/EOS included")  # fmt: skip
    p.add_argument("--seq-batch", type=int, default=16, help="batch size of the sequence sweep")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[4, 8, 16, 32, 64])
    p.add_argument("--batch-seq", type=int, default=128, help="sequence length of the batch sweep")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per point")
    p.add_argument("--seconds", type=float, default=6.0, help="timed seconds per point (at least)")
    p.add_argument("--min-steps", type=int, default=3, help="timed steps per point, at least")
    p.add_argument("--max-steps", type=int, default=500, help="timed steps per point, at most")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads per point (default: torch's own, one per core)")  # fmt: skip
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "scaling.json")
    p.add_argument("--img-dir", type=Path, default=ROOT / "docs" / "img")
    point = p.add_argument_group("one point (run by the parent in a child process)")
    point.add_argument("--point", action="store_true", help="measure one point, print its JSON")
    point.add_argument("--seq-len", type=int)
    point.add_argument("--batch-size", type=int)
    point.add_argument("--longest", type=int, help="longest sequence of the run (sizes the model)")
    return p


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    _check(args)
    if args.point:
        result = run_point(
            args.model, args.seq_len, args.batch_size, args.longest,
            args.warmup, args.seconds, args.min_steps, args.max_steps, args.threads,
        )  # fmt: skip
        print(json.dumps(result))
        return result

    longest = max([*args.seq_lens, args.batch_seq])
    report: dict[str, Any] = {
        "command": " ".join(["python benchmarks/scaling.py", *argv]),
        "model": args.model,
        "experiment": MODEL_EXPERIMENTS[args.model],
        "machine": machine(),
        "warmup_steps": args.warmup,
        "seconds_per_point": args.seconds,
        "min_steps": args.min_steps,
        "max_steps": args.max_steps,
        "sweeps": {
            "seq_len": {"batch_size": args.seq_batch, "values": list(args.seq_lens)},
            "batch_size": {"seq_len": args.batch_seq, "values": list(args.batch_sizes)},
        },
        "points": [],
    }
    started = time.perf_counter()
    for seq_len, batch_size in sweep_points(
        args.seq_lens, args.seq_batch, args.batch_sizes, args.batch_seq
    ):
        point = measure(args, seq_len, batch_size, longest)
        report["points"].append(point)
        print(
            f"seq_len {seq_len:4d} batch {batch_size:3d}: {point['samples_per_s']:8.1f} samples/s "
            f"{point['s_per_step']:.3f} s/step, RSS {point['rss_before_fit_mib']:.0f} -> peak "
            f"{point['peak_rss_mib']:.0f} MiB ({point['timed_steps']} steps, load "
            f"{point['load_avg_1m_before']})",
            file=sys.stderr,
        )
    report["total_s"] = round(time.perf_counter() - started, 1)

    by_key = {(p["seq_len"], p["batch_size"]): p for p in report["points"]}
    seq_points = [by_key[(s, args.seq_batch)] for s in args.seq_lens]
    batch_points = [by_key[(args.batch_seq, b)] for b in args.batch_sizes]
    plot_sweep(seq_points, "seq_len", f"batch {args.seq_batch}", report,
               args.img_dir / "scaling_seq.png")  # fmt: skip
    plot_sweep(batch_points, "batch_size", f"sequence length {args.batch_seq}", report,
               args.img_dir / "scaling_batch.png")  # fmt: skip
    report["figures"] = [_shown(args.img_dir / n) for n in ("scaling_seq.png", "scaling_batch.png")]

    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    return report


if __name__ == "__main__":
    main()
