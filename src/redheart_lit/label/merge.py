"""What a row still needs, and the row with a validated answer merged in.

Labels a row already has are kept unless ``overwrite=true``. A given counterfactual is
input, not a label: it is never replaced, and the model is asked to compare with it.
Fields an earlier LLM run filled (named in the row's ``provenance.filled``) are machine
labels, not human ones: they are asked for again, so that every machine label in a row
comes from the one answer its provenance names. An answer of ``null`` leaves a label out;
nothing is ever filled with a default.
"""

from __future__ import annotations

from typing import Any

from redheart_lit.data.annotations import FILLABLE_FIELDS
from redheart_lit.data.schema import RECORD_FIELDS
from redheart_lit.label.schema import LabelAnswer
from redheart_lit.tasks.spec import labels as label_specs

# Label keys the answer can fill, and the other record fields it can fill.
ANSWER_LABELS = ("emotion", "bentham", "acceptability", "regret", "utility_pref")


def machine_fields(row: dict[str, Any]) -> set[str]:
    """The fields an earlier LLM run filled (``provenance.filled``)."""
    provenance = row.get("provenance")
    return set(provenance["filled"]) if provenance else set()


def given_counterfactual(row: dict[str, Any]) -> str | None:
    """The counterfactual the row brings as input (not one a model wrote)."""
    if "counterfactual" in machine_fields(row):
        return None
    return row.get("counterfactual")


def needed(row: dict[str, Any], overwrite: bool) -> list[str]:
    """The fields this row wants from the model; empty means no request is needed."""
    labels = row.get("labels") or {}
    machine = machine_fields(row)
    want = [key for key in ANSWER_LABELS if overwrite or key not in labels or key in machine]
    if given_counterfactual(row) is None:
        want.append("counterfactual")
    if overwrite or row.get("context") is None or "context" in machine:
        want.append("context")
    return want


def merge(
    row: dict[str, Any],
    answer: LabelAnswer,
    need: list[str],
    provenance: dict[str, str],
) -> dict[str, Any]:
    """``row`` with the answer's values for the ``need`` fields, and its provenance.

    ``provenance`` holds ``model``, ``prompt_version``, ``time`` and ``response_hash``;
    ``filled`` is added here. A row the answer adds nothing to keeps its old provenance.
    """
    out = dict(row)
    labels = dict(row.get("labels") or {})
    machine = machine_fields(row)
    # Earlier machine values are replaced by this answer's (or removed where it says null).
    for field in machine:
        labels.pop(field, None)
        if field in FILLABLE_FIELDS:
            out.pop(field, None)
    if "counterfactual" in machine:
        labels.pop("utility_pref", None)  # it compared with the counterfactual just removed
    if machine:
        out.pop("provenance", None)
    filled: list[str] = []

    if "emotion" in need:
        ids = sorted(answer.emotion_ids())
        labels["emotion"] = ids
        out["confidence"] = {"emotion": {e.label: e.confidence for e in answer.emotions}}
        filled += ["emotion", "confidence"]
    if "bentham" in need:
        labels["bentham"] = answer.bentham.model_dump()
        filled.append("bentham")
    for key in ("acceptability", "regret"):
        value = getattr(answer, key)
        if key in need and value is not None:
            labels[key] = value
            filled.append(key)
    if "counterfactual" in need and answer.counterfactual is not None:
        out["counterfactual"] = answer.counterfactual
        filled.append("counterfactual")
    if "utility_pref" in need and answer.utility_pref is not None:
        labels["utility_pref"] = answer.utility_pref
        filled.append("utility_pref")
    if "context" in need and answer.context is not None:
        out["context"] = answer.context.model_dump()
        filled.append("context")

    order = list(label_specs())
    out["labels"] = {key: labels[key] for key in sorted(labels, key=_position(order))}
    if not out["labels"]:
        del out["labels"]
    if filled:
        out["provenance"] = {**provenance, "filled": filled}
    return {key: out[key] for key in RECORD_FIELDS if key in out}


def _position(order: list[str]) -> Any:
    return lambda key: order.index(key) if key in order else len(order)
