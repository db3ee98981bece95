"""The optional record fields that describe labels rather than hold them.

``python -m redheart_lit.label`` (``docs/labelling.md``) writes three of them next to the
labels it fills; hand-written records may carry them too. None of them is trained on.

* ``context``: the structured ethical context of the text:
  ``{"agent": str, "act": str, "affected": [str], "consequences": [str]}``.
* ``confidence``: per-class confidence of a label, for now ``{"emotion": {name: p}}``
  with exactly the names of the record's ``labels.emotion`` ids.
* ``provenance``: where machine labels came from: ``{"model", "prompt_version", "time",
  "response_hash", "filled"}``; ``filled`` names the fields the model supplied.

Each check returns the problems as ``field: what is wrong``, like the label checks in
``data/schema.py``; an empty list means the value is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from redheart_lit.tasks.spec import EMOTION_LABELS
from redheart_lit.tasks.spec import labels as label_specs

CONTEXT_KEYS = ("agent", "act", "affected", "consequences")
PROVENANCE_KEYS = ("model", "prompt_version", "time", "response_hash", "filled")
# Record fields besides labels that a labeller may fill.
FILLABLE_FIELDS = ("counterfactual", "context", "confidence")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def is_unit(value: Any) -> bool:
    """A number in [0, 1] (a bool is not a number here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def _exact_keys(field: str, value: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(value, dict) or set(value) != set(keys):
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        return f"{field}: must be an object with keys {list(keys)}, got {got}"
    return None


def check_context(value: Any) -> list[str]:
    """``agent`` and ``act`` non-empty strings; ``affected``, ``consequences`` lists of them."""
    if problem := _exact_keys("context", value, CONTEXT_KEYS):
        return [problem]
    problems = [
        f"context.{k}: must be a non-empty string" for k in ("agent", "act") if not _text(value[k])
    ]
    for key in ("affected", "consequences"):
        items = value[key]
        if not isinstance(items, list) or not all(_text(item) for item in items):
            problems.append(f"context.{key}: must be a list of non-empty strings")
    return problems


def check_confidence(value: Any, emotion_ids: list[int] | None) -> list[str]:
    """``{"emotion": {name: p}}`` with the names of ``emotion_ids`` (the record's labels)."""
    if not isinstance(value, dict) or set(value) != {"emotion"}:
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        return [f"confidence: must be an object with the key ['emotion'], got {got}"]
    scores = value["emotion"]
    if emotion_ids is None:
        return ["confidence.emotion: needs labels.emotion, whose ids it scores"]
    wanted = sorted(EMOTION_LABELS[i] for i in emotion_ids)
    if not isinstance(scores, dict) or sorted(scores) != wanted:
        got = sorted(scores) if isinstance(scores, dict) else type(scores).__name__
        return [f"confidence.emotion: must have exactly the labelled emotions {wanted}, got {got}"]
    if bad := sorted(k for k, p in scores.items() if not is_unit(p)):
        return [f"confidence.emotion: {bad} outside [0, 1] or not numbers"]
    return []


def check_provenance(value: Any) -> list[str]:
    """Model, prompt version, ISO 8601 time, ``sha256:<hex>`` hash and the filled fields."""
    if problem := _exact_keys("provenance", value, PROVENANCE_KEYS):
        return [problem]
    problems = [
        f"provenance.{k}: must be a non-empty string"
        for k in ("model", "prompt_version")
        if not _text(value[k])
    ]
    if not isinstance(value["time"], str) or not _iso_time(value["time"]):
        problems.append(f"provenance.time: must be an ISO 8601 time, got {value['time']!r}")
    if not isinstance(value["response_hash"], str) or not _HASH.fullmatch(value["response_hash"]):
        problems.append("provenance.response_hash: must be 'sha256:' and 64 hex digits")
    known = sorted([*label_specs(), *FILLABLE_FIELDS])
    filled = value["filled"]
    if (
        not isinstance(filled, list)
        or len(set(map(str, filled))) != len(filled)
        or any(f not in known for f in filled)
    ):
        problems.append(f"provenance.filled: must be a list of distinct names from {known}")
    return problems


def _iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_annotations(obj: Mapping[str, Any], emotion_ids: list[int] | None) -> list[str]:
    """Problems of the record's ``context``, ``confidence`` and ``provenance``.

    ``null`` counts as absent, as for ``counterfactual``. ``emotion_ids`` are the record's
    valid emotion ids, or None when it has none.
    """
    problems: list[str] = []
    if obj.get("context") is not None:
        problems += check_context(obj["context"])
    if obj.get("confidence") is not None:
        problems += check_confidence(obj["confidence"], emotion_ids)
    if obj.get("provenance") is not None:
        problems += check_provenance(obj["provenance"])
    return problems
