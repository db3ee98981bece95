"""reference.json: written from predictions, read back checked, refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.serving.fakes import fake_result

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.inference.reference import (
    REFERENCE_FILE,
    predicted_group,
    read_reference,
    write_reference,
)


def _analyze(texts: list[str]) -> list[dict]:
    # fake_result scores all groups alike: the first group, anger, wins (ties keep order).
    results = [fake_result(t, "v") for t in texts]
    for text, result in zip(texts, results, strict=True):
        if "joy" in text:
            result["analysis"]["emotion"]["ekman"]["joy"] = 0.99
    return results


def test_write_then_read(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    source.write_text("{}\n")
    texts = ["joy a", "joy b", "joy c", "plain"]
    content = write_reference(tmp_path, _analyze, texts, source, batch_size=3)
    assert content["rows"] == 4
    assert content["ekman_shares"]["joy"] == 0.75
    assert content["ekman_shares"]["anger"] == 0.25
    assert read_reference(tmp_path) == content


def test_a_bundle_without_reference_reads_none(tmp_path: Path) -> None:
    assert read_reference(tmp_path) is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"kind": "other"}, "kind"),
        ({"kind": "redheart_lit.reference/1", "ekman_shares": {"joy": 1.0}}, "exactly the keys"),
        (
            {"kind": "redheart_lit.reference/1", "ekman_shares": dict.fromkeys(EKMAN_LABELS, 0.5)},
            "sum to",
        ),
    ],
)
def test_malformed_reference_is_refused(tmp_path: Path, content: dict, problem: str) -> None:
    (tmp_path / REFERENCE_FILE).write_text(json.dumps(content))
    with pytest.raises(ValueError, match=problem):
        read_reference(tmp_path)


def test_no_emotion_task_has_no_group() -> None:
    result = fake_result("x", "v")
    result["analysis"]["emotion"] = None
    assert predicted_group(result) is None
