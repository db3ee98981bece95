"""The messages sent for one row, and the one that asks again after an invalid answer.

The system prompt is built from the answer schema's field descriptions (``schema.py``), so
the two say the same thing. :data:`PROMPT_VERSION` names this wording in each row's
provenance; change it whenever the wording changes. The cache does not rely on it: its
key holds the messages themselves (``cache.py``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from redheart_lit.label.schema import answer_schema
from redheart_lit.tasks.spec import EMOTION_LABELS

PROMPT_VERSION = "label-v1"

Message = dict[str, str]

_INTRO = """\
You label short texts for a research dataset on emotions and everyday ethics. The user \
message is a JSON object with the text, its language (ISO 639 code) and, sometimes, a \
counterfactual: another act the one who acts could have chosen. Answer with one JSON \
object that matches the given JSON Schema and nothing else.

The GoEmotions labels are: {labels}.

The fields of the answer:
{fields}

Judge what the text says, not what might also be true. Numbers in [0, 1] are your best \
estimates; use the whole range."""


def _field_lines() -> str:
    """``- name: description`` per field, with the fields of nested objects indented."""
    schema = answer_schema()
    defs = schema.get("$defs", {})

    def nested(prop: dict[str, Any]) -> dict[str, Any] | None:
        # A nested object is a $ref directly, in a list's items, or in a nullable anyOf.
        for candidate in (prop, prop.get("items", {}), *prop.get("anyOf", [])):
            ref = candidate.get("$ref")
            if ref:
                return defs[ref.rsplit("/", 1)[-1]]
        return None

    def lines(properties: dict[str, Any], indent: str) -> list[str]:
        out = []
        for name, prop in properties.items():
            out.append(f"{indent}- {name}: {prop['description']}")
            inner = nested(prop)
            if inner is not None:
                out += lines(inner["properties"], indent + "  ")
        return out

    return "\n".join(lines(schema["properties"], ""))


@functools.cache
def system_prompt() -> str:
    """The instructions, the same for every row: built once (the schema walk took ~2 ms)."""
    return _INTRO.format(labels=", ".join(EMOTION_LABELS), fields=_field_lines())


def user_message(text: str, lang: str, counterfactual: str | None) -> str:
    """The row as JSON: quoting keeps the text apart from the instructions."""
    row: dict[str, Any] = {"text": text, "lang": lang, "counterfactual": counterfactual}
    return json.dumps(row, ensure_ascii=False)


def row_messages(text: str, lang: str, counterfactual: str | None) -> list[Message]:
    """The first request's messages for one row."""
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": user_message(text, lang, counterfactual)},
    ]


def retry_messages(answer: str, problems: str) -> list[Message]:
    """What follows an invalid answer: the answer itself, then what was wrong with it."""
    return [
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": "That answer does not validate:\n"
            f"{problems}\n"
            "Answer again with one JSON object that matches the schema.",
        },
    ]
