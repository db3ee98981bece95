"""benchmarks/serve_load.py: its statistics, its texts, and one short run against the fake server."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "serve_load", ROOT / "benchmarks" / "serve_load.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


serve_load = _load()


def test_percentile_interpolates() -> None:
    assert serve_load.percentile([1.0], 95) == 1.0
    assert serve_load.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert serve_load.percentile([float(i) for i in range(101)], 95) == pytest.approx(95.0)


def test_texts_are_distinct_and_mix_english_and_korean() -> None:
    texts = serve_load.make_texts(0, 100)
    assert len(set(texts)) == 100
    hangul = [t for t in texts if re.search("[가-힣]", t)]
    assert len(hangul) == 50
    assert set(texts).isdisjoint(serve_load.make_texts(100, 100))


@pytest.mark.slow
def test_a_short_run_against_the_fake_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "serve.json"
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    code = serve_load.main([
        str(bundle), "--requests", "6", "--concurrency", "1", "3", "--out", str(out),
        "--serve", str(ROOT / "tests" / "serving" / "fake_serve.py"),
    ])  # fmt: skip
    assert code == 0
    report = json.loads(out.read_text())
    rows = report["results"]
    assert [(r["server"], r["concurrency"]) for r in rows] == [
        ("batched", 1),
        ("batched", 3),
        ("naive", 1),
        ("naive", 3),
    ]
    assert all(r["errors"] == 0 and r["statuses"] == {"200": 6} for r in rows)
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in rows)
    table = capsys.readouterr().out
    assert "| bundle | server |" in table
    assert "| 1.00x |" in table  # naive against itself
