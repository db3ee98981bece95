"""The record schema and its validator (documented in ``docs/data.md``).

One JSON object per line, UTF-8::

    {"id": "en-0001", "text": "...", "lang": "en", "counterfactual": "...",
     "labels": {"emotion": [17, 15], "bentham": {...ten factors...}, "acceptability": 1,
                "utility_pref": 1, "regret": 0.2,
                "surd": {"synergy": .., "unique": .., "redundant": .., "leak": ..}},
     "context": {...}, "confidence": {"emotion": {...}}, "provenance": {...}}

Every label is optional. ``context``, ``confidence`` and ``provenance`` describe labels
(machine labels carry them) and are checked in ``data/annotations.py``. Nothing is dropped or repaired: a bad row raises
:class:`DataError` whose message lists ``file:line: field: what is wrong`` for each problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from redheart_lit.data.annotations import check_annotations, is_unit
from redheart_lit.files import atomic_write
from redheart_lit.tasks.spec import LabelSpec
from redheart_lit.tasks.spec import labels as label_specs

SURD_SUM_TOLERANCE = 1e-3
_MAX_REPORTED = 20
_LANG = re.compile(r"[a-z]{2,3}")


class DataError(ValueError):
    """One or more rows of a data file break the schema."""


@dataclass(frozen=True)
class Record:
    """A validated row. ``labels`` maps label key -> float or list of floats.

    ``context``, ``confidence`` and ``provenance`` are kept as written (JSON objects, or
    None when absent); nothing trains on them.
    """

    id: str
    text: str
    lang: str
    counterfactual: str | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] | None = None
    confidence: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None


# The fields of a record, in the order files are written in.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Record))


def _class_id(value: Any, n: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n


def _check_label(spec: LabelSpec, value: Any, has_cf: bool) -> tuple[Any, str | None]:
    """``(parsed value, None)`` or ``(None, problem)`` for one label, by its kind."""
    key, names = spec.key, spec.names
    if spec.needs_counterfactual and not has_cf:
        return None, f"labels.{key}: needs a counterfactual to compare with"
    if spec.kind == "ids":
        n = len(names)
        if not isinstance(value, list) or not value:
            return None, f"labels.{key}: must be a non-empty list of label ids"
        if bad := [i for i in value if not _class_id(i, n)]:
            return None, f"labels.{key}: unknown label id(s) {bad}; ids are 0..{n - 1}"
        if len(set(value)) != len(value):
            return None, f"labels.{key}: duplicate label ids in {value}"
        return [1.0 if i in value else 0.0 for i in range(n)], None
    if spec.kind in ("factors", "simplex"):
        if not isinstance(value, dict) or set(value) != set(names):
            got = sorted(value) if isinstance(value, dict) else type(value).__name__
            return None, f"labels.{key}: must be an object with keys {list(names)}, got {got}"
        if bad := [k for k in names if not is_unit(value[k])]:
            return None, f"labels.{key}: {bad} outside [0, 1] or not numbers"
        if spec.kind == "simplex" and abs(sum(value.values()) - 1.0) > SURD_SUM_TOLERANCE:
            return None, (
                f"labels.{key}: shares sum to {sum(value.values()):.6f}, "
                f"not 1 within {SURD_SUM_TOLERANCE}"
            )
        return [float(value[k]) for k in names], None
    if spec.kind == "binary":
        if not _class_id(value, 2):
            return None, f"labels.{key}: must be 0 or 1, got {value!r}"
        return float(value), None
    if spec.kind == "unit":
        if not is_unit(value):
            return None, f"labels.{key}: must be a number in [0, 1], got {value!r}"
        return float(value), None
    # kind == "class"
    if not _class_id(value, len(names)):
        return None, f"labels.{key}: must be a class id in 0..{len(names) - 1}, got {value!r}"
    return float(value), None


def _check_labels(labels: Any, has_cf: bool) -> tuple[dict[str, Any], list[str]]:
    """Return ``(parsed labels, problems)``; each problem is ``field: what is wrong``.

    The known label keys and how each is checked come from the task table.
    """
    if not isinstance(labels, dict):
        return {}, ["labels: must be an object"]
    specs = label_specs()
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for key in sorted(set(labels) - set(specs)):
        problems.append(f"labels.{key}: unknown label key; known: {sorted(specs)}")
    for key, spec in specs.items():
        if key in labels:
            value, problem = _check_label(spec, labels[key], has_cf)
            if problem is None:
                parsed[key] = value
            else:
                problems.append(problem)
    return parsed, problems


def parse_record(obj: Any) -> tuple[Record | None, list[str]]:
    """Validate one decoded JSON value; return the record or the list of problems."""
    if not isinstance(obj, dict):
        return None, [f"record: must be a JSON object, got {type(obj).__name__}"]
    problems = [
        f"{k}: unknown field; known: {sorted(RECORD_FIELDS)}"
        for k in sorted(set(obj) - set(RECORD_FIELDS))
    ]
    rid, text, lang, cf = obj.get("id"), obj.get("text"), obj.get("lang"), obj.get("counterfactual")
    if not isinstance(rid, str) or not rid:
        problems.append("id: must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        problems.append("text: must be a non-empty string")
    if not isinstance(lang, str) or not _LANG.fullmatch(lang):
        problems.append(f"lang: must be an ISO 639 code such as 'en' or 'ko', got {lang!r}")
    if cf is not None and (not isinstance(cf, str) or not cf.strip()):
        problems.append("counterfactual: must be a non-empty string when present")
    raw_labels = obj.get("labels", {})
    labels, label_problems = _check_labels(raw_labels, has_cf=cf is not None)
    problems += label_problems
    emotion_ids = raw_labels["emotion"] if "emotion" in labels else None
    # A bad emotion label is reported already; its confidence is not checked against it.
    emotion_bad = emotion_ids is None and isinstance(raw_labels, dict) and "emotion" in raw_labels
    problems += check_annotations(
        {k: v for k, v in obj.items() if not (emotion_bad and k == "confidence")}, emotion_ids
    )
    if problems:
        return None, problems
    record = Record(
        id=rid,
        text=text,
        lang=lang,
        counterfactual=cf,
        labels=labels,
        context=obj.get("context"),
        confidence=obj.get("confidence"),
        provenance=obj.get("provenance"),
    )
    return record, []


def load_jsonl(path: str | Path) -> list[Record]:
    """Read and validate a JSONL file; raise :class:`DataError` listing every bad row."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such data file; expected a JSONL file of records (see docs/data.md)"
        )
    records: list[Record] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                errors.append(f"{where}: line: invalid UTF-8 at byte {err.start}")
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                errors.append(f"{where}: line: malformed JSON: {err.msg} at column {err.colno}")
                continue
            record, problems = parse_record(obj)
            errors += [f"{where}: {p}" for p in problems]
            if record is not None:
                if record.id in seen:
                    errors.append(
                        f"{where}: id: duplicate id {record.id!r} (first on line {seen[record.id]})"
                    )
                else:
                    seen[record.id] = lineno
                records.append(record)
    raise_if_invalid(path, errors, len(records))
    return records


def raise_if_invalid(source: str | Path, errors: list[str], n_records: int) -> None:
    """Raise :class:`DataError` if ``source`` had bad rows or no rows at all.

    Shared by every reader so that all data errors read alike: a count, then the first
    20 ``file:line: field: what is wrong`` lines, then ``... and N more``.
    """
    if errors:
        shown = errors[:_MAX_REPORTED]
        more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise DataError(f"{len(errors)} invalid row(s) in {source}:\n" + "\n".join(shown) + more)
    if not n_records:
        raise DataError(f"{source}: the file holds no records")


def write_jsonl(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` one JSON object a line, atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
