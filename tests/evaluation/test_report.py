"""The report: JSON with NaN as null, and a markdown table per task."""

from __future__ import annotations

import json

from redheart_lit.evaluation.report import (
    EvaluationReport,
    LabelThreshold,
    metrics_json,
    render_markdown,
)

METRICS = {
    "regret/rows": 3,
    "regret/acc": 2 / 3,
    "regret/auroc": float("nan"),
    "regret/mae": 0.25,
    "bentham/acceptability_rows": 2,
    "bentham/acceptability_acc": 0.5,
}


def test_json_is_one_sorted_line_with_null_for_nan() -> None:
    line = metrics_json(METRICS)
    assert "\n" not in line
    assert list(json.loads(line)) == sorted(METRICS)
    assert json.loads(line)["regret/auroc"] is None
    assert json.loads(line)["regret/rows"] == 3


def test_markdown_has_provenance_and_a_table_per_labelled_task() -> None:
    report = EvaluationReport(
        metrics=METRICS, checkpoint="/runs/x/last.ckpt", data="sample",
        data_source="data/sample/test.jsonl", split="test", thresholds_source="checkpoint",
        labels=[LabelThreshold("admiration", 0.3, True, 2, 0.5)], notes=["a note"],
        command="python eval.py ckpt=/runs/x/last.ckpt",
    )  # fmt: skip
    text = render_markdown(report)
    for expected in ("`/runs/x/last.ckpt`", "`sample`", "`test`", "**note:** a note",
                     "### regret", "### bentham", "| auroc | undefined | 3 |",
                     "| acceptability_acc | 0.5000 | 2 |", "| admiration | 0.30 | yes | 2 | 0.5000 |"):  # fmt: skip
        assert expected in text, expected
    assert "### emotion\n" not in text  # no emotion labels: no emotion table
    assert "### surd" not in text
