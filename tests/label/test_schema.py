"""The answer schema: strict enough for OpenAI's strict mode, and every rule enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from tests.llm.fake_llm import valid_answer

from redheart_lit.label.schema import answer_schema, response_format, validate_answer
from redheart_lit.llm.schema import describe_errors
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every object schema in ``node``, nested ones included."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _objects(value)
    return found


def test_every_object_requires_all_its_fields_and_forbids_others() -> None:
    # OpenAI's strict structured output needs both; they also mean no field has a default.
    objects = _objects(answer_schema())
    assert len(objects) == 4  # the answer, an emotion score, bentham, context
    for node in objects:
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])


def test_schema_spells_the_task_table() -> None:
    defs = answer_schema()["$defs"]
    assert defs["EmotionScore"]["properties"]["label"]["enum"] == list(EMOTION_LABELS)
    assert list(defs["BenthamScores"]["properties"]) == list(BENTHAM_FACTORS)


def test_response_format_is_strict_json_schema() -> None:
    fmt = response_format()
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == answer_schema()


def test_a_valid_answer_validates() -> None:
    answer = validate_answer(json.dumps(valid_answer(None)), given_counterfactual=False)
    assert answer.emotion_ids() == [17, 15]
    assert answer.counterfactual == "I could have asked first."


def problems(answer: Any, given: bool = False) -> str:
    content = answer if isinstance(answer, str) else json.dumps(answer)
    with pytest.raises(ValidationError) as err:
        validate_answer(content, given_counterfactual=given)
    return describe_errors(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"regret": 1.7}, "- regret: Input should be less than or equal to 1"),
        ({"acceptability": 1.0}, "- acceptability: Input should be a valid integer"),
        ({"acceptability": True}, "- acceptability: Input should be a valid integer"),
        ({"context": "x"}, "- context: Input should be an object"),
        ({"emotions": []}, "- emotions: List should have at least 1 item"),
        ({"emotions": [{"label": "bliss", "confidence": 1}]}, "- emotions.0.label: Input should"),
        ({"mood": "fine"}, "- mood: Extra inputs are not permitted"),
        (
            {"emotions": [{"label": "joy", "confidence": 0.5}] * 2},
            "emotions: each label once; repeated ['joy']",
        ),
        ({"utility_pref": None}, "utility_pref: there is a counterfactual; answer 0 or 1"),
        (
            {"counterfactual": None, "utility_pref": 1},
            "utility_pref: there is no counterfactual; answer null",
        ),
    ],
)
def test_invalid_answers_say_what_is_wrong(change: dict[str, Any], expected: str) -> None:
    assert expected in problems({**valid_answer(None), **change})


def test_a_missing_field_is_an_error_not_a_default() -> None:
    answer = valid_answer(None)
    del answer["bentham"]
    assert "- bentham: Field required" in problems(answer)


def test_a_given_counterfactual_is_not_replaced_but_compared() -> None:
    assert "a counterfactual was given; answer null" in problems(valid_answer(None), given=True)
    answer = validate_answer(json.dumps(valid_answer("given")), given_counterfactual=True)
    assert (answer.counterfactual, answer.utility_pref) == (None, 1)
    no_pref = {**valid_answer("given"), "utility_pref": None}
    assert "there is a counterfactual" in problems(no_pref, given=True)


def test_not_json_is_a_validation_error() -> None:
    assert "Invalid JSON" in problems('{"emotions": [oops')
