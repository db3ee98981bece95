"""What an evaluation run reports: the metrics, where they came from, and their markdown.

``metrics.json`` and the last line of stdout hold :func:`metrics_json` of the metrics;
``report.md`` holds :func:`render_markdown`. An undefined metric (AUROC with one class in
the data) is NaN in Python, ``null`` in JSON (JSON has no NaN) and "undefined" in markdown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from redheart_lit.tasks.spec import task_names

# Every metric an evaluation reports, in report order: key -> (key of the count of rows it
# was computed on, definition for the markdown table).
METRICS: dict[str, tuple[str, str]] = {
    "emotion/macro_f1": ("emotion/rows", "mean F1 over the 28 labels, checkpoint thresholds"),
    "emotion/micro_f1": ("emotion/rows", "F1 of the pooled counts, checkpoint thresholds"),
    "emotion/macro_f1_at_0.5": ("emotion/rows", "mean F1 over the 28 labels, all thresholds 0.5"),
    "emotion/micro_f1_at_0.5": ("emotion/rows", "F1 of the pooled counts, all thresholds 0.5"),
    "emotion/ekman_macro_f1": ("emotion/rows", "mean F1 over 7 Ekman classes (6 + neutral)"),
    "emotion/ece": ("emotion/rows", "expected calibration error, 15 bins, all label decisions"),
    "emotion/labels_without_positives": ("emotion/rows", "labels with no positive row here (F1 0)"),
    "bentham/utility_pair_acc": ("bentham/utility_pair_rows", "sign(u_text - u_cf) matches utility_pref"),
    "bentham/acceptability_acc": ("bentham/acceptability_rows", "p >= 0.5 matches the label"),
    "bentham/factors_mae": ("bentham/factors_rows", "mean absolute error over the 10 factors"),
    "regret/acc": ("regret/rows", "p >= 0.5 matches label >= 0.5"),
    "regret/auroc": ("regret/rows", "AUROC of p against label >= 0.5, ties 1/2"),
    "regret/mae": ("regret/rows", "mean absolute error of p"),
    "surd/mae": ("surd/rows", "mean absolute error over the 4 shares"),
}  # fmt: skip


@dataclass
class LabelThreshold:
    """One emotion label's row in the threshold table."""

    label: str
    threshold: float
    tuned: bool
    positives: int
    f1: float


@dataclass
class EvaluationReport:
    """Everything a run writes. ``metrics`` keys are ``task/name``; ``*_rows`` are counts."""

    metrics: dict[str, float]
    checkpoint: str
    data: str
    data_source: str
    split: str
    thresholds_source: str
    labels: list[LabelThreshold] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    command: str = ""
    # (title, path relative to report.md) of each figure (evaluation/figures/).
    figures: list[tuple[str, str]] = field(default_factory=list)


def metrics_json(metrics: dict[str, float]) -> str:
    """One-line JSON of ``metrics``, keys sorted, NaN written as ``null``."""
    clean = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in metrics.items()}
    return json.dumps(clean, sort_keys=True)


def _value(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return "undefined" if math.isnan(value) else f"{value:.4f}"


def _task_table(metrics: dict[str, float], task: str) -> list[str]:
    keys = [k for k in METRICS if k.startswith(f"{task}/") and k in metrics]
    if not keys:
        return []
    lines = [f"### {task}", "", "| metric | value | labelled rows | definition |",
             "|---|---:|---:|---|"]  # fmt: skip
    for key in keys:
        rows_key, definition = METRICS[key]
        name = key.split("/", 1)[1]
        lines.append(f"| {name} | {_value(metrics[key])} | {metrics[rows_key]} | {definition} |")
    return [*lines, ""]


def render_markdown(report: EvaluationReport) -> str:
    """The human-readable report: provenance, one table per task, the thresholds used."""
    lines = [
        "# Evaluation report",
        "",
        f"* checkpoint: `{report.checkpoint}`",
        f"* data config: `{report.data}`",
        f"* records: {report.data_source}",
        f"* split: `{report.split}`",
        f"* thresholds: {report.thresholds_source}",
    ]
    if report.command:
        lines.append(f"* command: `{report.command}`")
    lines += [f"* **note:** {note}" for note in report.notes]
    lines += ["", "Metrics are computed only on rows that carry the task's label.", ""]
    # Task sections in the task table's order; each metric key is "<task>/<name>".
    for task in task_names():
        lines += _task_table(report.metrics, task)
    if not set(METRICS) & set(report.metrics):
        lines += ["No row of this split carries a label of the checkpoint's tasks.", ""]
    if report.labels:
        lines += [
            "### emotion thresholds",
            "",
            "| label | threshold | tuned on dev | positives in split | F1 |",
            "|---|---:|:---:|---:|---:|",
        ]
        lines += [
            f"| {r.label} | {r.threshold:.2f} | {'yes' if r.tuned else 'no'} | {r.positives} | {r.f1:.4f} |"
            for r in report.labels
        ]
        lines.append("")
    if report.figures:
        lines += ["## Figures", ""]
        for title, path in report.figures:
            lines += [f"### {title}", "", f"![{title}]({path})", ""]
    return "\n".join(lines)
