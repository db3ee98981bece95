"""Ask, validate, and ask again with the errors: the loop every LLM question shares.

An answer that fails validation is sent back with what was wrong (``retry_messages``),
up to ``max_retries`` times. Each answer's usage is added to the :class:`Budget` as it
arrives. ``before_each`` runs before every request and stops the loop by raising: the
labeller stops a run there at its budget cap, the server's helper stops one request.
Transport errors and refusals come out of :meth:`ChatClient.complete` unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from redheart_lit.llm.budget import Budget
from redheart_lit.llm.client import ChatClient, Completion
from redheart_lit.llm.prompts import Message, retry_messages
from redheart_lit.llm.schema import describe_errors

T = TypeVar("T")


@dataclass
class Asked(Generic[T]):
    """How one question ended.

    Attributes:
        answer: the validated answer; None when the last re-ask was still invalid.
        completion: the last answer the server gave.
        problems: what was wrong with each invalid answer, in order.
        usage: ``prompt_tokens`` and ``completion_tokens`` of every request, summed.
    """

    answer: T | None
    completion: Completion
    problems: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0}
    )

    @property
    def attempts(self) -> int:
        return len(self.problems) + (self.answer is not None)


async def ask_validated(
    client: ChatClient,
    messages: list[Message],
    response_format: dict[str, Any],
    validate: Callable[[str], T],
    *,
    max_retries: int,
    budget: Budget,
    before_each: Callable[[], None] = lambda: None,
) -> Asked[T]:
    """Ask until ``validate(content)`` passes, at most ``max_retries + 1`` times.

    ``validate`` raises :class:`pydantic.ValidationError` for an answer to ask again.
    """
    messages = list(messages)
    asked: Asked[T] = Asked(answer=None, completion=Completion(content="", usage=None))
    for _ in range(max_retries + 1):
        before_each()
        completion = await client.complete(messages, response_format)
        asked.completion = completion
        budget.add(completion.usage)
        if completion.usage is not None:
            asked.usage["prompt_tokens"] += completion.usage.prompt_tokens
            asked.usage["completion_tokens"] += completion.usage.completion_tokens
        try:
            asked.answer = validate(completion.content)
        except ValidationError as err:
            found = problems_of(err, completion)
            asked.problems.append(found)
            messages += retry_messages(completion.content, found)
            continue
        return asked
    return asked


def problems_of(err: ValidationError, completion: Completion) -> str:
    """What the model is told was wrong: the validation errors, and why it may have failed."""
    found = describe_errors(err)
    if completion.finish_reason == "length":
        found = "- the answer was cut off at llm.max_answer_tokens\n" + found
    if completion.refusal:
        found = f"- the model refused: {completion.refusal}\n" + found
    return found
