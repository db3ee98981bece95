"""The 330M model on a GPU: peak memory, throughput, MFU, ablations and serving latency.

    python benchmarks/gpu.py [--out docs/bench/gpu.json] [--peak-tflops T]   # needs CUDA
    python benchmarks/gpu.py --tiny            # or BENCH_GPU_TINY=1: CPU smoke run

GPU path: ``experiment=full_330m trainer=8gb`` (bf16-mixed, gradient checkpointing, 8-bit
AdamW, micro-batch 8 x 512 bytes accumulated 4x) trained by Lightning on worst-case data
(every text at the tokenizer's maximum length, a third with a counterfactual of the same
length, every label present), timed per optimizer step with ``harness.LightningClock``:

* the main run: peak allocated and reserved CUDA memory, samples/s, MFU;
* ablations, each flipping one switch of the main run: no gradient checkpointing, fp32,
  32-bit AdamW state, ``model.compile=true``;
* serving: three randomly initialised base-size encoders (the shapes of KcELECTRA-base,
  RoBERTa-base and KLUE-BERT-base, which cannot be downloaded here) fused into the 330M
  model, trained two steps, exported, and served by ``ProductionOrchestrator`` on CUDA in
  bf16 with the cache off: p50/p95 latency of single texts and texts/s in batches of 32.

MFU = model FLOPs per sample x samples/s / the card's dense bf16 peak. Model FLOPs are
counted by ``torch.utils.flop_counter.FlopCounterMode`` over one forward and backward pass
of a micro-batch with gradient checkpointing off: the recomputation checkpointing adds is
work the hardware does, not work the model needs, so it is reported apart (HFU).

``--tiny`` runs the same code on CPU with ``experiment=tiny``, tiny random encoders and a
few steps, to prove that it works (well under a minute). It measures no GPU figure: memory
and MFU are null there, and every goal is reported as null with the reason. Without CUDA
and without ``--tiny`` the script stops and says so.

Writes one JSON file (``--out``) and prints a markdown table.

This file is the command line; the parts live beside it: ``gpu_modes.py`` (the GPU and
``--tiny`` modes, the ablations), ``gpu_data.py`` (worst-case data), ``gpu_flops.py``
(FLOP counting), ``gpu_peak.py`` (the card's peak, MFU), ``gpu_train.py`` (one timed
training run), ``gpu_encoders.py`` and ``gpu_serving.py`` (serving), ``gpu_report.py``
(goals, claims, markdown) and ``gpu_log.py`` (progress lines).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from common import ROOT, machine
from gpu_data import write_worst_case
from gpu_flops import model_flops
from gpu_log import log
from gpu_modes import ABLATIONS, GPU, TINY, Mode
from gpu_peak import Peak, peak_bf16
from gpu_report import claims, goals, markdown
from gpu_serving import serving
from gpu_train import free_memory, training_run
from harness import BARE, compose_run, data_overrides


@contextmanager
def _work_dir(keep: Path | None) -> Iterator[Path]:
    """``--work`` if given (kept for a look afterwards), else a folder removed at the end."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    folder = Path(tempfile.mkdtemp(prefix="bench_gpu_"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _quiet_lightning() -> None:
    """Warnings only: Lightning's per-run banners would bury the progress lines."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _failure(err: Exception) -> str:
    """An error on one line of at most 500 characters, as the report records it."""
    return f"{type(err).__name__}: {' '.join(str(err).split())[:500]}"


def run(mode: Mode, args: argparse.Namespace) -> dict[str, Any]:
    """Everything the report holds, measured in this process, in order.

    A failing ablation or serving measurement is recorded in the report (and makes the
    script exit non-zero) rather than losing the runs already measured; the main run and
    the FLOP count have nothing to fall back on and stop the script.
    """
    cuda = mode.serve_device == "cuda"
    device_name = torch.cuda.get_device_name() if cuda else None
    # Resolved before minutes of work: an unknown card stops here.
    peak = peak_bf16(device_name, args.peak_tflops) if device_name else None
    if args.ablations is None:
        ablations = [a for a in ABLATIONS if a not in mode.skips]
        skipped = [{"name": a, "reason": r} for a, r in mode.skips.items()]
    else:
        ablations, skipped = list(args.ablations), []
    warmup = mode.warmup if args.warmup_steps is None else args.warmup_steps
    steps = mode.steps if args.steps is None else args.steps
    mode = replace(
        mode,
        serve_texts=mode.serve_texts if args.serve_texts is None else args.serve_texts,
        serve_rounds=mode.serve_rounds if args.serve_rounds is None else args.serve_rounds,
    )
    report: dict[str, Any] = {
        "benchmark": "benchmarks/gpu.py",
        "mode": mode.name,
        "command": " ".join(["python", "benchmarks/gpu.py", *sys.argv[1:]]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "measured_on_gpu": cuda,
        "note": (
            "GPU figures" if cuda
            else "CPU smoke run (--tiny, experiment=tiny): proves the code path; no GPU figure "
            "was measured, so memory, MFU and every goal are null"
        ),
        "peak_bf16": vars(peak) if peak else None,
        "peak_reason": None if peak else "no GPU",
    }  # fmt: skip
    with _work_dir(args.work) as work:
        probe = compose_run(list(mode.base), work / "probe")
        micro = int(probe.data.batch_size)
        accumulate = int(probe.memory.accumulate_grad_batches)
        max_length = int(probe.model.config.tokenizer.max_length)
        # One epoch is exactly the run, so no epoch end (metrics) falls inside the timing.
        n_train = micro * accumulate * (warmup + steps)
        data = work / "data"
        report["data"] = write_worst_case(data, n_train, 8, max_length)
        base = [*mode.base, *BARE, *data_overrides(data)]
        report["settings"] = {"base_overrides": list(mode.base), "bare": BARE,
                              "warmup_steps": warmup, "timed_steps": steps}  # fmt: skip
        device = torch.device("cuda" if cuda else "cpu")
        log("counting model FLOPs")
        report["flops"] = model_flops(base, work, device)
        report["runs"] = []
        for name, extra in [("main", []), *((a, ABLATIONS[a]) for a in ablations)]:
            row = _training_run_or_error(name, base, extra, work, warmup, steps,
                                         report["flops"], peak)  # fmt: skip
            report["runs"].append({"overrides": [*mode.base, *extra], **row})
        report["skipped_runs"] = skipped
        report["serving"] = _serving_or_error(mode, work)
    report["goals"] = goals(report, device_name)
    report["claims"] = claims(report)
    return report


def _training_run_or_error(
    name: str, base: list[str], extra: list[str], work: Path, warmup: int, steps: int,
    flops: dict[str, Any], peak: Peak | None,
) -> dict[str, Any]:  # fmt: skip
    """The row of run ``name`` (``base`` plus its ``extra`` overrides); an ablation that
    fails gives a row with its error, so the runs measured before it are kept."""
    log(f"training run {name} {extra}")
    try:
        row = training_run(name, [*base, *extra], work, warmup, steps, flops, peak)
    except Exception as err:
        if name == "main":
            raise
        row = {"name": name, "error": _failure(err)}
        log(f"run {name} failed: {row['error']}")
    free_memory()
    return row


def _serving_or_error(mode: Mode, work: Path) -> dict[str, Any]:
    """The serving measurement, or its error: the runs measured before it are kept."""
    log("serving")
    try:
        result = serving(mode, [*mode.base, *BARE], work)
    except Exception as err:
        result = {"error": _failure(err)}
        log(f"serving failed: {result['error']}")
    free_memory()
    return result


def flops_only(args: argparse.Namespace) -> dict[str, Any]:
    """Model FLOPs of the GPU run's model (full_330m, trainer=8gb), on any machine.

    FLOPs depend on the architecture and the data, not on the card, so the count that
    MFU divides by can be checked without a GPU (about 3 minutes on 2 CPU cores).
    """
    cuda = torch.cuda.is_available()
    base = [*GPU.base, *(() if cuda else ("trainer.accelerator=cpu",))]
    with _work_dir(args.work) as work:
        probe = compose_run(base, work / "probe")
        data = work / "data"
        micro = int(probe.data.batch_size)
        written = write_worst_case(data, 4 * micro, 8, int(probe.model.config.tokenizer.max_length))
        # Every text has the same length, so the count per sample does not depend on the
        # micro-batch; 2 keeps the CPU count to minutes.
        overrides = [*base, *BARE, *data_overrides(data), "data.batch_size=2"]
        device = torch.device("cuda" if cuda else "cpu")
        return {
            "benchmark": "benchmarks/gpu.py --flops-only",
            "command": " ".join(["python", "benchmarks/gpu.py", *sys.argv[1:]]),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "overrides": overrides[: len(base)],
            "data": written,
            "flops": model_flops(overrides, work, device),
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="CPU smoke run (also BENCH_GPU_TINY=1)")
    parser.add_argument("--out", type=Path, help="JSON report (default by mode, docs/bench/)")
    parser.add_argument("--peak-tflops", type=float, help="the card's dense bf16 peak, TFLOP/s")
    parser.add_argument(
        "--ablations", nargs="*", choices=list(ABLATIONS),
        help="ablations to run (default: all; --tiny skips compile); none: pass it empty",
    )  # fmt: skip
    parser.add_argument("--warmup-steps", type=int, help="untimed optimizer steps per run")
    parser.add_argument("--steps", type=int, help="timed optimizer steps per run")
    parser.add_argument("--serve-texts", type=int, help="single-text requests timed")
    parser.add_argument("--serve-rounds", type=int, help="batches of 32 timed")
    parser.add_argument("--work", type=Path, help="keep runs, encoders and bundle here")
    parser.add_argument(
        "--flops-only", action="store_true",
        help="only count the GPU run's model FLOPs per sample (works on CPU)",
    )  # fmt: skip
    return parser.parse_args(argv)


def tiny_requested(flag: bool, environ: Mapping[str, str]) -> bool:
    """``--tiny``, or ``BENCH_GPU_TINY`` set to anything but empty or ``0``."""
    return flag or environ.get("BENCH_GPU_TINY", "") not in ("", "0")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.flops_only:
        _quiet_lightning()
        report = flops_only(args)
        out = args.out or ROOT / "docs" / "bench" / "flops_full_330m.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        flops = report["flops"]
        print(
            f"full_330m: {flops['flops_per_sample'] / 1e9:.1f} GFLOP per sample (forward + "
            f"backward), {flops['counted_over_by_hand']} x the hand count; written: {out}"
        )
        return report
    tiny = tiny_requested(args.tiny, os.environ)
    if not tiny and not torch.cuda.is_available():
        raise SystemExit(
            "benchmarks/gpu.py: no CUDA device (torch.cuda.is_available() is False); pass "
            "--tiny (or set BENCH_GPU_TINY=1) for the CPU smoke run, which measures no GPU figures"
        )
    for flag, value in (
        ("--warmup-steps", args.warmup_steps),
        ("--steps", args.steps),
        ("--serve-texts", args.serve_texts),
        ("--serve-rounds", args.serve_rounds),
    ):
        if value is not None and value < 1:
            raise SystemExit(f"{flag} must be >= 1, got {value}")
    _quiet_lightning()
    mode = TINY if tiny else GPU
    report = run(mode, args)
    out = args.out or mode.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"\nwritten: {out}")
    failed = [r["name"] for r in report["runs"] if "error" in r]
    failed += ["serving"] if "error" in report["serving"] else []
    if failed:
        raise SystemExit(f"benchmarks/gpu.py: failed: {', '.join(failed)} (see {out})")
    return report


if __name__ == "__main__":
    main()
