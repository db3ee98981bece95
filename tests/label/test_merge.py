"""Merging an answer into a row: kept labels, overwrite, counterfactuals, provenance."""

from __future__ import annotations

import json
from typing import Any

from tests.llm.fake_llm import valid_answer

from redheart_lit.data.schema import parse_record
from redheart_lit.label.merge import merge, needed
from redheart_lit.label.schema import LabelAnswer, validate_answer
from redheart_lit.tasks.spec import BENTHAM_FACTORS

PROVENANCE = {
    "model": "m",
    "prompt_version": "label-v1",
    "time": "2025-01-01T00:00:00+00:00",
    "response_hash": "sha256:" + "0" * 64,
}
HUMAN_BENTHAM = dict.fromkeys(BENTHAM_FACTORS, 0.9)


def answer(given: str | None = None, **changes: Any) -> LabelAnswer:
    content = json.dumps({**valid_answer(given), **changes})
    return validate_answer(content, given_counterfactual=given is not None)


def filled(row: dict[str, Any], result: LabelAnswer, overwrite: bool = False) -> dict[str, Any]:
    out = merge(row, result, needed(row, overwrite), PROVENANCE)
    record, problems = parse_record(out)
    assert record is not None, problems  # every merged row passes the data validator
    return out


def test_an_empty_row_gets_every_label_and_its_provenance() -> None:
    out = filled({"id": "a", "text": "t", "lang": "en"}, answer())
    assert out["labels"]["emotion"] == [15, 17]  # sorted ids of joy, gratitude
    assert out["confidence"] == {"emotion": {"joy": 0.9, "gratitude": 0.6}}
    assert out["counterfactual"] == "I could have asked first."
    assert out["labels"]["utility_pref"] == 1
    assert out["context"]["agent"] == "the author"
    assert out["provenance"] == {
        **PROVENANCE,
        "filled": ["emotion", "confidence", "bentham", "acceptability", "regret",
                   "counterfactual", "utility_pref", "context"],
    }  # fmt: skip
    assert list(out) == ["id", "text", "lang", "counterfactual", "labels", "context",
                         "confidence", "provenance"]  # fmt: skip


def test_present_labels_are_kept_unless_overwrite() -> None:
    row = {"id": "a", "text": "t", "lang": "en",
           "labels": {"emotion": [2], "bentham": HUMAN_BENTHAM, "regret": 0.8}}  # fmt: skip
    out = filled(row, answer())
    assert out["labels"]["emotion"] == [2]
    assert out["labels"]["bentham"] == HUMAN_BENTHAM
    assert out["labels"]["regret"] == 0.8
    assert "confidence" not in out  # the model's confidence is for its own emotions
    assert "emotion" not in out["provenance"]["filled"]
    assert out["labels"]["acceptability"] == 1  # absent before, so filled
    replaced = filled(row, answer(), overwrite=True)
    assert replaced["labels"]["emotion"] == [15, 17]
    assert replaced["labels"]["regret"] == 0.2


def test_a_given_counterfactual_stays_and_the_preference_is_against_it() -> None:
    row = {"id": "a", "text": "t", "lang": "en", "counterfactual": "I said no."}
    assert "counterfactual" not in needed(row, overwrite=True)
    out = filled(row, answer(given="I said no."))
    assert out["counterfactual"] == "I said no."
    assert out["labels"]["utility_pref"] == 1
    assert "counterfactual" not in out["provenance"]["filled"]


def test_null_leaves_a_label_out_and_nothing_is_defaulted() -> None:
    nothing = answer(acceptability=None, regret=None, counterfactual=None, utility_pref=None,
                     context=None)  # fmt: skip
    out = filled({"id": "a", "text": "The sky is grey.", "lang": "en"}, nothing)
    assert set(out["labels"]) == {"emotion", "bentham"}
    assert "counterfactual" not in out
    assert "context" not in out
    assert out["provenance"]["filled"] == ["emotion", "confidence", "bentham"]


def test_machine_labels_of_an_earlier_run_are_asked_for_again() -> None:
    first = filled({"id": "a", "text": "t", "lang": "en", "labels": {"regret": 0.8}}, answer())
    assert needed(first, overwrite=False) == [
        "emotion", "bentham", "acceptability", "utility_pref", "counterfactual", "context",
    ]  # fmt: skip
    # The second model says there is no act: the first model's act labels go, the human
    # regret stays, and the provenance names only what this answer filled.
    second = filled(first, answer(acceptability=None, counterfactual=None, utility_pref=None,
                                  context=None))  # fmt: skip
    assert second["labels"]["regret"] == 0.8
    assert "acceptability" not in second["labels"]
    assert "utility_pref" not in second["labels"]
    assert "counterfactual" not in second
    assert second["provenance"]["filled"] == ["emotion", "confidence", "bentham"]


def test_a_complete_row_needs_nothing() -> None:
    row = filled({"id": "a", "text": "t", "lang": "en", "counterfactual": "c"}, answer(given="c"))
    row.pop("provenance")
    row.pop("confidence")
    assert needed(row, overwrite=False) == []
    assert needed(row, overwrite=True) != []
