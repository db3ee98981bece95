"""The labeller's messages for one row (the re-ask after an invalid answer: ``llm/prompts.py``).

The system prompt is built from the answer schema's field descriptions (``schema.py``), so
the two say the same thing. :data:`PROMPT_VERSION` names this wording in each row's
provenance; change it whenever the wording changes. The cache does not rely on it: its
key holds the messages themselves (``cache.py``).
"""

from __future__ import annotations

import functools

from redheart_lit.label.schema import answer_schema
from redheart_lit.llm.prompts import Message, field_lines, user_message
from redheart_lit.tasks.spec import EMOTION_LABELS

PROMPT_VERSION = "label-v1"

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


@functools.cache
def system_prompt() -> str:
    """The instructions, the same for every row: built once (the schema walk took ~2 ms)."""
    return _INTRO.format(labels=", ".join(EMOTION_LABELS), fields=field_lines(answer_schema()))


def row_messages(text: str, lang: str, counterfactual: str | None) -> list[Message]:
    """The first request's messages for one row."""
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": user_message(text, lang, counterfactual)},
    ]
