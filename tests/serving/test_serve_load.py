"""benchmarks/serve_load.py: its texts, its doc section, and short runs against the fake server.

Its percentile and machine description are ``benchmarks/common.py``'s, tested in
``tests/benchmarks/test_common.py``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


def _load() -> ModuleType:
    # As a script it finds common.py beside it (its folder is sys.path[0]); loaded from
    # its path here, it needs the folder put there.
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("serve_load", BENCHMARKS / "serve_load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_load"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


serve_load = _load()


def test_texts_are_distinct_and_mix_english_and_korean() -> None:
    texts = serve_load.make_texts(0, 100)
    assert len(set(texts)) == 100
    hangul = [t for t in texts if re.search("[가-힣]", t)]
    assert len(hangul) == 50
    assert set(texts).isdisjoint(serve_load.make_texts(100, 100))


def test_write_doc_replaces_only_its_own_part(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n")
    serve_load.write_doc(doc, f"{serve_load.DOC_BEGIN}\nfirst\n{serve_load.DOC_END}")
    doc.write_text(doc.read_text() + "\nhand-written notes after the table\n")
    serve_load.write_doc(doc, f"{serve_load.DOC_BEGIN}\nsecond\n{serve_load.DOC_END}")
    text = doc.read_text()
    assert text.count(serve_load.DOC_HEADING) == 1
    assert "## Other\n\nkept" in text
    assert "second" in text
    assert "first" not in text
    assert text.endswith("hand-written notes after the table\n")


@pytest.mark.slow
def test_a_short_run_against_the_fake_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "serve.json"
    doc = tmp_path / "benchmarks.md"
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    code = serve_load.main([
        str(bundle), "--requests", "6", "--rounds", "2", "--concurrency", "1", "3",
        "--out", str(out), "--doc", str(doc),
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
    assert all(r["errors"] == 0 and r["statuses"] == {"200": 12} for r in rows)
    assert all(len(r["round_throughputs_rps"]) == len(r["loadavg_1m"]) == 2 for r in rows)
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in rows)
    assert all(r["mean_batch"] >= 1 for r in rows)
    # Counted in 10 ms clock ticks: a dozen fake requests may cost none.
    assert all(
        r[key] >= 0 for r in rows for key in ("loop_cpu_ms", "model_cpu_ms", "client_cpu_ms")
    )
    assert all(r["client"] == "raw" for r in rows)
    table = capsys.readouterr().out
    assert "| model | concurrency | batched req/s | naive req/s |" in table
    assert "| bundle | 3 |" in table
    assert "concurrency 3:" in table  # the verdict line
    section = doc.read_text()
    assert "serve.threads=1" in section
    assert "--requests 6 --rounds 2" in section
    assert "| model | concurrency | server | event loop ms |" in section


@pytest.mark.slow
def test_the_httpx_client_still_drives_the_server(tmp_path: Path) -> None:
    out = tmp_path / "serve.json"
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    serve_load.main([
        str(bundle), "--requests", "4", "--rounds", "1", "--concurrency", "2",
        "--client", "httpx", "--out", str(out),
        "--serve", str(ROOT / "tests" / "serving" / "fake_serve.py"),
    ])  # fmt: skip
    rows = json.loads(out.read_text())["results"]
    assert [(r["client"], r["statuses"]) for r in rows] == [("httpx", {"200": 4})] * 2
