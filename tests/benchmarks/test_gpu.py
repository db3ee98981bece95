"""benchmarks/gpu.py, the command line: when it runs, and the --tiny run end to end.

The GPU path itself needs CUDA (the last test); what it computes from a measurement is
checked on CPU in test_gpu_flops.py and test_gpu_peak.py, and the --tiny run drives the
same code end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gpu  # benchmarks/gpu.py (tests/benchmarks/conftest.py puts benchmarks/ on sys.path)
import pytest
import torch
from gpu_peak import peak_bf16

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu.py"


def test_tiny_is_asked_for_by_flag_or_environment() -> None:
    assert gpu.tiny_requested(True, {})
    assert gpu.tiny_requested(False, {"BENCH_GPU_TINY": "1"})
    assert not gpu.tiny_requested(False, {"BENCH_GPU_TINY": "0"})
    assert not gpu.tiny_requested(False, {})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without CUDA")
def test_without_cuda_the_gpu_path_says_to_pass_tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_GPU_TINY", raising=False)
    with pytest.raises(SystemExit, match="--tiny"):
        gpu.main([])


def _run_script(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.slow
def test_tiny_run_writes_a_complete_report(tmp_path: Path) -> None:
    out = tmp_path / "gpu_cpu_tiny.json"
    # ~40 s on the 2-core CI machine; the timeout only stops a hung run.
    done = _run_script(["--tiny", "--out", str(out)], timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())

    assert report["mode"] == "cpu_tiny"
    assert report["measured_on_gpu"] is False
    assert report["peak_bf16"] is None
    assert report["peak_reason"] == "no GPU"
    flops = report["flops"]
    assert 0 < flops["forward_flops_per_sample"] < flops["flops_per_sample"]
    # Backward costs about twice the forward; checkpointing adds a forward (x 4/3 at most).
    assert 1.8 < flops["backward_to_forward"] < 3.0
    # The hand count leaves out the heads, Kalman and DSP: a little below the counter.
    assert 1.0 < flops["counted_over_by_hand"] < 1.2
    ratio = flops["hardware_flops_per_sample_with_checkpointing"] / flops["flops_per_sample"]
    assert 1.0 < ratio <= 4 / 3 + 1e-6
    assert flops["params"] > 0
    assert 0.3 < flops["cf_fraction"] < 0.4

    runs = {r["name"]: r for r in report["runs"]}
    assert list(runs) == ["main", "no_checkpointing", "fp32", "adamw_32bit"]
    for run in runs.values():
        assert run["samples_per_s"] > 0
        assert run["median_step_s"] > 0
        assert len(run["step_s"]) == run["timed_steps"]
        assert run["samples_per_s_at_median_step"] > 0
        assert run["graphs_compiled_while_timed"] >= 0
        assert run["mfu"] is None
        assert run["mfu_reason"].startswith("no GPU")
        assert run["peak_allocated_gib"] is None
        assert run["memory_reason"] == "no GPU"
        assert run["achieved_tflops"] >= 0
    main = runs["main"]
    assert (main["precision"], main["gradient_checkpointing"], main["optimizer_8bit"]) == (
        "bf16-mixed", True, True,
    )  # fmt: skip
    assert (main["micro_batch"], main["accumulate_grad_batches"]) == (16, 4)
    assert main["optimizer"] == "torchao.optim.adam.AdamW8bit"
    assert runs["no_checkpointing"]["gradient_checkpointing"] is False
    assert runs["fp32"]["precision"] == "32-true"
    assert runs["adamw_32bit"]["optimizer"] == "torch.optim.adamw.AdamW"
    assert [s["name"] for s in report["skipped_runs"]] == ["compile"]

    serving = report["serving"]
    assert len(serving["encoders"]) == 3
    assert serving["device"] == "cpu"
    single = serving["single_text"]
    assert 0 < single["p50_ms"] <= single["p95_ms"]
    assert single["encode_only_p50_ms"] > 0
    assert serving["batch_32"]["texts_per_s"] > 0

    assert len(report["goals"]) == 5
    for goal in report["goals"]:
        assert goal["met"] is None
        assert goal["value"] is None
        assert goal["reason"].startswith("no GPU")
    assert all(c["measured"] is None for c in report["claims"])
    assert "| main | bf16-mixed | on |" in done.stdout


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_run_measures_memory_and_mfu(tmp_path: Path) -> None:
    """A short GPU run: every figure of the main run and serving is filled in."""
    try:
        peak_bf16(torch.cuda.get_device_name())
    except ValueError as err:
        pytest.skip(str(err))
    out = tmp_path / "gpu.json"
    args = ["--out", str(out), "--warmup-steps", "2", "--steps", "2", "--ablations",
            "--serve-texts", "5", "--serve-rounds", "2"]  # fmt: skip
    done = _run_script(args, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    main = report["runs"][0]
    assert main["peak_allocated_gib"] > 0
    assert main["peak_reserved_gib"] >= main["peak_allocated_gib"]
    assert 0 < main["mfu"] < 1
    assert report["serving"]["single_text"]["p50_ms"] > 0
    assert all(g["met"] is not None for g in report["goals"][:2])


def test_the_gpu_mode_reads_the_worst_case_data_folder(tmp_path: Path) -> None:
    # Composed on CPU, so the GPU path cannot rot unseen: full_330m picks the real mixture,
    # and the benchmark's data overrides must replace it with its JSONL folder.
    from gpu_modes import GPU
    from harness import BARE, compose_run, data_overrides

    cfg = compose_run([*GPU.base, *BARE, *data_overrides(tmp_path)], tmp_path / "run")
    assert cfg.data.reader._target_ == "redheart_lit.data.readers.JsonlReader"
    assert cfg.data.reader.root == str(tmp_path)
