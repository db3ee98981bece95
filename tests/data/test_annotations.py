"""context, confidence and provenance: allowed in a record, and checked when present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.data.test_schema import error_of, write

from redheart_lit.data.annotations import check_context, check_provenance
from redheart_lit.data.schema import load_jsonl

CONTEXT = {
    "agent": "the author",
    "act": "kept a found wallet",
    "affected": ["the wallet's owner"],
    "consequences": ["the owner lost 40 euros"],
}
PROVENANCE = {
    "model": "fake-model",
    "prompt_version": "label-v1",
    "time": "2025-01-02T03:04:05+00:00",
    "response_hash": "sha256:" + "ab" * 32,
    "filled": ["emotion", "context", "confidence"],
}


def annotated(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "r1",
        "text": "I kept the wallet I found.",
        "lang": "en",
        "labels": {"emotion": [24, 12]},
        "context": dict(CONTEXT),
        "confidence": {"emotion": {"remorse": 0.8, "embarrassment": 0.4}},
        "provenance": dict(PROVENANCE),
    }
    base.update(changes)
    return base


def test_annotated_record_loads_with_its_fields(tmp_path: Path) -> None:
    (record,) = load_jsonl(write(tmp_path / "a.jsonl", [annotated()]))
    assert record.context == CONTEXT
    assert record.confidence == {"emotion": {"remorse": 0.8, "embarrassment": 0.4}}
    assert record.provenance == PROVENANCE


def test_null_annotations_count_as_absent(tmp_path: Path) -> None:
    row = annotated(context=None, confidence=None, provenance=None)
    (record,) = load_jsonl(write(tmp_path / "a.jsonl", [row]))
    assert (record.context, record.confidence, record.provenance) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"context": {"agent": "me"}}, "context: must be an object with keys"),
        ({"context": {**CONTEXT, "act": " "}}, "context.act: must be a non-empty string"),
        ({"context": {**CONTEXT, "affected": "everyone"}}, "context.affected: must be a list"),
        (
            {"confidence": {"emotion": {"remorse": 0.8}}},
            "confidence.emotion: must have exactly the labelled emotions",
        ),
        (
            {"confidence": {"emotion": {"remorse": 1.5, "embarrassment": 0.4}}},
            "confidence.emotion: ['remorse'] outside [0, 1]",
        ),
        ({"confidence": {"regret": 0.3}}, "confidence: must be an object with the key ['emotion']"),
        ({"labels": {}}, "confidence.emotion: needs labels.emotion"),
        ({"provenance": {**PROVENANCE, "time": "yesterday"}}, "provenance.time: must be an ISO"),
        ({"provenance": {**PROVENANCE, "response_hash": "abc"}}, "provenance.response_hash"),
        ({"provenance": {**PROVENANCE, "filled": ["mood"]}}, "provenance.filled: must be a list"),
        ({"provenance": {**PROVENANCE, "key": "x"}}, "provenance: must be an object with keys"),
    ],
    ids=[
        "context keys",
        "empty act",
        "affected not a list",
        "confidence names",
        "confidence range",
        "confidence key",
        "confidence without emotion",
        "time",
        "hash",
        "filled",
        "provenance keys",
    ],
)
def test_bad_annotations_name_their_field(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    path = write(tmp_path / "bad.jsonl", [annotated(id="ok"), annotated(**changes)])
    message = error_of(path)
    assert f"bad.jsonl:2: {expected}" in message
    assert "bad.jsonl:1" not in message


def test_a_bad_emotion_label_is_reported_once(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "bad.jsonl", [annotated(labels={"emotion": [99]})]))
    assert "labels.emotion: unknown label id(s) [99]" in message
    assert "confidence" not in message


def test_checks_return_no_problem_for_valid_values() -> None:
    assert check_context({**CONTEXT, "affected": [], "consequences": []}) == []
    assert check_provenance(PROVENANCE) == []
