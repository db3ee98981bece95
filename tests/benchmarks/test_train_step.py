"""benchmarks/train_step.py and harness.py: the compared loops are the same training, timed alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import train_step
from harness import StepClock


def test_clock_counts_the_steps_after_warmup() -> None:
    clock = StepClock()
    for end, samples in [(10.0, 16), (11.0, 16), (13.0, 8), (14.0, 16)]:
        clock.add(samples)
        clock.tick()
        clock.ends[-1] = end  # times by hand
    # Two warm-up steps: from the end of step 2 (t=11) to the end of step 4 (t=14), 8 + 16
    # samples in 3 s.
    assert clock.samples_per_s(warmup=2) == pytest.approx(24 / 3)
    assert clock.seconds_per_step(warmup=2) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="need more than"):
        clock.samples_per_s(warmup=4)
    with pytest.raises(ValueError, match="warmup must be >= 1"):
        clock.samples_per_s(warmup=0)


def test_the_three_loops_train_identically_and_report_ratios(tmp_path: Path) -> None:
    out = tmp_path / "train_step.json"
    report = train_step.main(
        ["--models", "tiny", "--steps", "2", "--warmup", "1", "--rounds", "1", "--compare",
         "--out", str(out)]
    )  # fmt: skip
    assert json.loads(out.read_text()) == report
    (row,) = report["frameworks"]
    ways = row["ways"]
    assert set(ways) == {"lightning", "plain", "hf"}
    # Same seed, data order, optimizer, schedule and clipping: the same losses step by
    # step, so the throughput ratios compare like with like.
    plain = ways["plain"]["first_losses"]
    assert len(plain) == 3  # the first three of the three steps
    assert plain[-1] < plain[0]
    assert ways["lightning"]["first_losses"] == pytest.approx(plain, rel=1e-5)
    assert ways["hf"]["first_losses"] == pytest.approx(plain, rel=1e-5)
    assert all(w["median_samples_per_s"] > 0 for w in ways.values())
    # One round: the ratio is that round's.
    ratio = ways["lightning"]["samples_per_s"][0] / ways["plain"]["samples_per_s"][0]
    assert row["lightning_over_plain"] == pytest.approx(ratio, abs=1e-3)


def test_eight_bit_state_is_smaller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # torchao compiles its update with inductor (seconds per shape on CPU); eager allocates
    # the same state.
    monkeypatch.setattr(torch, "compile", lambda fn=None, **kwargs: fn)
    row = train_step.side_by_side(
        "tiny", train_step.COMPARISONS["eight_bit"], steps=2, warmup=1, rounds=1, tmp=tmp_path
    )
    assert row["runs"]["adamw"]["optimizer"] == "AdamW"
    assert row["runs"]["adamw_8bit"]["optimizer"] == "AdamW8bit"
    # The tiny model's tensors are mostly below torchao's 4096-value threshold, so the
    # saving is small; that it is a saving is what is checked here.
    assert 0 < row["adamw_8bit_over_adamw_state_bytes"] < 1


def test_profile_reports_time_by_package(tmp_path: Path) -> None:
    report = train_step.main(["--models", "tiny", "--steps", "2", "--warmup", "1", "--profile"])
    (profile,) = report["profiles"]
    ms = profile["ms_per_step"]
    assert set(ms) == {"lightning", "plain", "hf"}
    # The plain loop touches Lightning only to seed (seed_everything) before it starts.
    assert ms["lightning"]["lightning"] > ms["plain"].get("lightning", 0.0)
    assert ms["hf"]["transformers"] > 0
