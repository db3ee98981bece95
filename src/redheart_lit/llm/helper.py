"""The server's helper question (``serve.helping_ai``): a text's ethical context and a
counterfactual, asked of an LLM next to the model's own analysis.

A smaller question than the labeller's (``label/schema.py``): only the two fields the
model cannot give, so an answer is short and fits a serving deadline. Both are built from
the same pieces (``llm/schema.py``, ``llm/prompts.py``), so a context means the same thing
in a labelled record and in a served result. Change :data:`PROMPT_VERSION` whenever the
wording or the schema changes; each result names it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic import Field

from redheart_lit.llm import schema as shared
from redheart_lit.llm.prompts import Message, field_lines
from redheart_lit.llm.schema import (
    CONTEXT_HELP,
    COUNTERFACTUAL_HELP,
    EthicalContext,
    Strict,
    Text,
)

PROMPT_VERSION = "helper-v1"
# Sent as json_schema.name in response_format.
SCHEMA_NAME = "redheart_helper"

_INTRO = """\
You read one short text (English or Korean) for an analysis of its emotions and everyday \
ethics. The user message is a JSON object with the text. Answer with one JSON object that \
matches the given JSON Schema and nothing else.

The fields of the answer:
{fields}

Judge what the text says, not what might also be true."""


class HelperAnswer(Strict):
    # No docstring: pydantic would send it to the server as part of the schema.
    counterfactual: Text | None = Field(description=COUNTERFACTUAL_HELP)
    context: EthicalContext | None = Field(description=CONTEXT_HELP)


def response_format() -> dict[str, Any]:
    """The ``response_format`` of each helper request."""
    return shared.response_format(HelperAnswer, SCHEMA_NAME)


@functools.cache
def system_prompt() -> str:
    """The instructions, the same for every text: built once."""
    return _INTRO.format(fields=field_lines(HelperAnswer.model_json_schema()))


def messages(text: str) -> list[Message]:
    """The first request's messages for one text (the text as JSON, apart from the prompt)."""
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": json.dumps({"text": text}, ensure_ascii=False)},
    ]


def validate_answer(content: str) -> HelperAnswer:
    """Parse and validate an answer; raises :class:`pydantic.ValidationError`."""
    return HelperAnswer.model_validate_json(content)
