"""Prompt pieces every LLM question of the project shares.

A question's system prompt lists its answer schema's field descriptions
(:func:`field_lines`), so the schema and the prompt cannot drift apart. The row goes in
the user message as JSON, which keeps the text apart from the instructions; an invalid
answer is followed by the answer itself and what was wrong with it (:func:`retry_messages`).
"""

from __future__ import annotations

import json
from typing import Any

Message = dict[str, str]


def field_lines(schema: dict[str, Any]) -> str:
    """``- name: description`` per field of a JSON Schema, nested objects' fields indented."""
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


def user_message(text: str, lang: str, counterfactual: str | None) -> str:
    """The row as JSON: quoting keeps the text apart from the instructions."""
    row: dict[str, Any] = {"text": text, "lang": lang, "counterfactual": counterfactual}
    return json.dumps(row, ensure_ascii=False)


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
