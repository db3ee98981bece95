"""benchmarks/ray_batching.py: its report (table, doc section, markers) from a committed
result; the run itself needs a Ray cluster and is ``make bench-ray``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ray_batching import DOC_BEGIN, DOC_END, Row, doc_section, markdown, write_doc

ROOT = Path(__file__).resolve().parents[2]


def row(batching: str, concurrency: int, rps: float, batch: float) -> Row:
    return Row(
        batching=batching, concurrency=concurrency, requests=100, errors=0,
        statuses={"200": 100}, seconds=100 / rps, throughput_rps=rps,
        round_throughputs_rps=[rps - 1, rps + 1], p50_ms=10.0, p95_ms=20.0,
        mean_batch=batch, loadavg_1m=[1.0],
    )  # fmt: skip


def test_the_table_puts_both_batchers_side_by_side_with_their_ratio() -> None:
    table = markdown([row("micro", 32, 60.0, 6.0), row("serve_batch", 32, 40.0, 2.0)])
    line = table.splitlines()[-1]
    assert line.startswith("| 32 | 60.0 (59–61) | 40.0 (39–41) | 1.50x |")
    assert "| 6.0 / 2.0 | 0 |" in line


def test_write_doc_replaces_only_its_part_and_needs_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "serving.md"
    doc.write_text(f"before\n{DOC_BEGIN}\nold\n{DOC_END}\nafter\n")
    write_doc(doc, f"{DOC_BEGIN}\nnew\n{DOC_END}")
    assert doc.read_text() == f"before\n{DOC_BEGIN}\nnew\n{DOC_END}\nafter\n"
    doc.write_text("no markers\n")
    with pytest.raises(ValueError, match="markers"):
        write_doc(doc, "x")


def test_the_committed_result_is_what_the_doc_shows() -> None:
    report = json.loads((ROOT / "docs" / "bench" / "ray_batching.json").read_text())
    assert {r["batching"] for r in report["rows"]} == {"micro", "serve_batch"}
    assert {r["concurrency"] for r in report["rows"]} == {1, 32}
    assert doc_section(report) in (ROOT / "docs" / "serving.md").read_text()
