"""The sample-predictions table: a fixed set of rows, what they are labelled, what the model says.

The same records are scored at every validation, so a reader compares epochs row by row.
Predictions come from each readout's part of the inference result
(``TaskReadout.arrays`` and ``section``), i.e. what ``serve.py`` would answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import torch

from redheart_lit.data import Batch, Record
from redheart_lit.tasks.readout.base import TaskReadout
from redheart_lit.tasks.spec import EMOTION_LABELS

COLUMNS = (
    "id", "text", "lang", "true_emotions", "top_emotions", "bentham_utility",
    "acceptability", "regret", "surd_shares",
)  # fmt: skip
TOP_K = 3


def pick_rows(records: Sequence[Record], n: int) -> list[Record]:
    """The first ``n`` records in file order: a fixed choice, the same at every epoch."""
    if n < 1:
        raise ValueError(f"sample rows must be >= 1, got {n}")
    return list(records[:n])


def _true_emotions(record: Record) -> str:
    # A validated record holds the emotion label multi-hot ``[28]`` (data/schema.py).
    hot = record.labels.get("emotion")
    if hot is None:
        return ""
    return ", ".join(label for label, on in zip(EMOTION_LABELS, hot, strict=True) if on >= 0.5)


def _cell(value: Any) -> Any:
    """A table cell: numbers rounded, dicts as compact JSON, missing tasks as empty text."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return json.dumps({k: round(v, 3) for k, v in value.items()})
    return value


@torch.no_grad()
def sample_rows(
    trunk: torch.nn.Module,
    readouts: dict[str, TaskReadout],
    records: list[Record],
    collate: Callable[[list[Record]], Batch],
    device: torch.device | str,
) -> list[list[Any]]:
    """One row of :data:`COLUMNS` per record; a task the model lacks leaves its cells empty."""
    batch = collate(records).to(device)
    shared = trunk(batch)
    sections: dict[str, list[dict[str, Any]]] = {}
    for name, readout in readouts.items():
        out = readout(shared)
        sections[name] = readout.section(readout.arrays(out, readout.probabilities(out)),
                                         len(records))  # fmt: skip
    rows = []
    for i, record in enumerate(records):
        emotion = sections.get("emotion", [None] * len(records))[i]
        bentham = sections.get("bentham", [None] * len(records))[i]
        regret = sections.get("regret", [None] * len(records))[i]
        surd = sections.get("surd", [None] * len(records))[i]
        top = None
        if emotion is not None:
            ranked = sorted(emotion["probabilities"].items(), key=lambda kv: -kv[1])[:TOP_K]
            top = ", ".join(f"{label} {p:.2f}" for label, p in ranked)
        values = (
            record.id, record.text, record.lang, _true_emotions(record), top,
            bentham and bentham["utility"], bentham and bentham["acceptability"],
            regret and regret["probability"], surd,
        )  # fmt: skip
        rows.append([_cell(v) for v in values])
    return rows
