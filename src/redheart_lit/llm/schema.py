"""Answer-schema pieces every LLM question of the project shares (pydantic).

The labeller's full answer (``label/schema.py``) and the server's helper answer
(``llm/helper.py``) are built from these: the strict base (no extra keys, no coercion),
the value types, the structured ethical context, the counterfactual's instruction, the
``response_format`` that carries a schema, and the error list an invalid answer gets back.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Text = Annotated[str, Field(min_length=1)]

# What a counterfactual is, as the model is told; each question adds when to answer null.
COUNTERFACTUAL_HELP = (
    "one sentence in the text's language, in the text's person, saying what the one who "
    "acts could have done instead; null if no act is described"
)
CONTEXT_HELP = "the ethical context of the act; null if no act is described"


class Strict(BaseModel):
    # additionalProperties: false in the schema, and no silent coercion of "0.5" to 0.5.
    model_config = ConfigDict(extra="forbid", strict=True)


class EthicalContext(Strict):
    # Who acts, the act, who is affected and what follows: a record's ``context``. No
    # docstring: pydantic would put it in the schema, and so in the labeller's cache keys.

    agent: Text = Field(description="who acts")
    act: Text = Field(description="what they do, in a few words")
    affected: list[Text] = Field(description="who is affected, besides the agent")
    consequences: list[Text] = Field(description="what follows from the act")


def response_format(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The ``response_format`` of a request: structured output with ``model``'s schema."""
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": model.model_json_schema(), "strict": True},
    }


def schema_digest(model: type[BaseModel]) -> str:
    """``model``'s schema as canonical JSON (part of a cache key)."""
    return json.dumps(model.model_json_schema(), sort_keys=True, separators=(",", ":"))


def describe_errors(error: ValidationError) -> str:
    """``loc: message`` per problem, one a line: what the model is told to fix."""
    lines = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "answer"
        lines.append(f"- {where}: {item['msg']}")
    return "\n".join(lines)
