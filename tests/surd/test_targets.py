"""Tests for per-sample SURD targets and the JSONL CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from redheart_lit.surd.decomposition import SHARE_NAMES
from redheart_lit.surd.targets import (
    main,
    per_sample_shares,
    quantile_bins,
    round_shares,
)
from redheart_lit.tasks.spec import EMOTION_LABELS as GOEMOTIONS_LABELS
from redheart_lit.tasks.spec import EMOTION_VALENCE as GOEMOTIONS_VALENCE


def test_valence_table() -> None:
    assert len(GOEMOTIONS_LABELS) == len(GOEMOTIONS_VALENCE) == 28
    v = dict(zip(GOEMOTIONS_LABELS, GOEMOTIONS_VALENCE, strict=True))
    assert v["joy"] == 1.0
    assert v["relief"] == 1.0
    assert v["anger"] == -1.0
    assert v["remorse"] == -1.0
    assert v["surprise"] == 0.0
    assert v["neutral"] == 0.0
    assert v["confusion"] == 0.0
    assert sum(x > 0 for x in GOEMOTIONS_VALENCE) == 12
    assert sum(x < 0 for x in GOEMOTIONS_VALENCE) == 11


def test_quantile_bins_equal_frequency() -> None:
    x = np.arange(99, dtype=float)[::-1]
    b = quantile_bins(x, 3)
    np.testing.assert_array_equal(np.bincount(b), [33, 33, 33])


def test_per_sample_shares_shapes_and_rows() -> None:
    rng = np.random.default_rng(0)
    n = 600
    agents = rng.normal(size=(n, 3))
    target = (agents[:, 0] + 0.5 * agents[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(int)
    out = per_sample_shares(target, agents, bins=3)
    assert out.shape == (n, len(SHARE_NAMES))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(out >= -1e-12)
    # samples with the same target state share the same row
    for s in (0, 1):
        rows = out[target == s]
        np.testing.assert_allclose(rows, np.broadcast_to(rows[0], rows.shape))


def test_per_sample_shares_errors() -> None:
    with pytest.raises(ValueError, match="single observed state"):
        per_sample_shares(np.zeros(10, dtype=int), np.random.default_rng(0).normal(size=(10, 2)))
    with pytest.raises(ValueError, match="expected target"):
        per_sample_shares(np.zeros(10, dtype=int), np.zeros((9, 2)))


def test_round_shares_sums_to_one() -> None:
    d = round_shares(np.array([1 / 3, 1 / 3, 1 / 3 - 1e-9, 1e-9]))
    assert list(d) == list(SHARE_NAMES)
    assert abs(sum(d.values()) - 1.0) < 1e-6


def _records() -> list[dict]:
    rng = np.random.default_rng(3)
    recs = []
    factors = [
        "intensity", "duration", "certainty", "propinquity", "fecundity", "purity",
        "extent", "external_cost", "redistribution_effect", "self_damage",
    ]  # fmt: skip
    for i in range(24):
        recs.append(
            {
                "id": f"r{i}",
                "text": f"text {i}",
                "lang": "en",
                "labels": {
                    "emotion": [int(rng.integers(0, 28)), int(rng.integers(0, 28))],
                    "bentham": {f: float(rng.random()) for f in factors},
                    "acceptability": i % 2,
                    "regret": float(rng.random()),
                },
            }
        )
    recs.append({"id": "x1", "text": "no labels", "lang": "de", "labels": {}})
    recs.append(
        {
            "id": "x2",
            "text": "partial",
            "lang": "en",
            "counterfactual": "cf",
            "labels": {"emotion": [17], "acceptability": 1, "utility_pref": 0},
        }
    )
    return recs


def _check_output(recs: list[dict], out_path: Path) -> None:
    lines = out_path.read_text(encoding="utf-8").splitlines()
    got = [json.loads(line) for line in lines]
    assert len(got) == len(recs)
    for before, after in zip(recs, got, strict=True):
        if before["id"].startswith("x"):
            assert after == before
            assert list(after) == list(before)
            continue
        surd = after["labels"].pop("surd")
        assert after == before
        assert list(after) == list(before)
        assert list(after["labels"]) == list(before["labels"])
        assert list(surd) == list(SHARE_NAMES)
        assert abs(sum(surd.values()) - 1.0) < 1e-6
        assert all(round(v, 6) == v for v in surd.values())


def test_cli_main_round_trip(tmp_path: Path) -> None:
    recs = _records()
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    assert main([str(inp), str(out)]) == 0
    _check_output(recs, out)


def test_cli_module_subprocess(tmp_path: Path) -> None:
    recs = _records()
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "redheart_lit.surd.targets", str(inp), str(out)],
        check=True,
        capture_output=True,
    )
    _check_output(recs, out)
