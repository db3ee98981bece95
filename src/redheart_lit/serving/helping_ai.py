"""The optional LLM helper of the server (``serve.helping_ai=true``): adds the structured
ethical context and a counterfactual to each result, under ``helping_ai``.

It runs next to the model, never instead of it:

* **Deadline.** Each text's question has its own deadline, ``serve.helping_ai_timeout_s``
  from the request's start (and never past the request's own deadline), covering the
  wait for a free slot, the transport retries and the re-asks after an invalid answer.
* **Budget.** ``llm.max_tokens_total`` and ``llm.max_cost`` cap what the server spends on
  the helper over its lifetime, counted from the usage the LLM server reports; once a cap
  is reached every result says so and no request is sent. A restart starts a new count.
* **Failure.** A timeout, the budget, a transport failure, a refusal or an answer still
  invalid after ``llm.max_retries`` re-asks puts its reason in ``helping_ai.error``; the
  analysis is the model's either way, exactly as without the helper.
* **The key** (``$REDHEART_LLM_API_KEY``) goes to ``llm.base_url`` only: the client sends
  it, and every error message is scrubbed of it before it reaches a result.

Answers that validated are kept in an LRU of ``serve.cache_size`` texts, so a repeated
text costs nothing; failures are not kept, so the next request asks again.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

from redheart_lit.inference.lru import LRUCache
from redheart_lit.llm import helper
from redheart_lit.llm.ask import ask_validated
from redheart_lit.llm.budget import Budget
from redheart_lit.llm.client import ChatClient, ServerRefusedError, TransportError
from redheart_lit.llm.redact import scrub
from redheart_lit.llm.settings import LLMSettings

log = logging.getLogger(__name__)

Section = dict[str, Any]


class _BudgetExhaustedError(Exception):
    pass


class HelpingAI:
    """Asks the LLM about one text at a time, at most ``llm.concurrency`` at once.

    Args:
        llm: ``llm.*``.
        api_key: ``$REDHEART_LLM_API_KEY``, or None for a server that needs none.
        timeout_s: ``serve.helping_ai_timeout_s``.
        cache_size: answers kept (``serve.cache_size``; 0 = none).
        client: a client to use instead of one built from ``llm`` (tests).
    """

    def __init__(
        self,
        llm: LLMSettings,
        api_key: str | None,
        timeout_s: float,
        cache_size: int = 0,
        client: ChatClient | None = None,
    ) -> None:
        llm.check_key_transport(api_key)
        self.llm = llm
        self.timeout_s = timeout_s
        self.budget = Budget.from_settings(llm)
        self.client = client or ChatClient(llm, api_key)
        self._key = api_key
        self._gate = asyncio.Semaphore(llm.concurrency)
        self._answers = LRUCache(cache_size)
        self._format = helper.response_format()

    async def close(self) -> None:
        await self.client.close()

    def deadline(self, request_deadline: float) -> float:
        """The loop time a text's question must end by: its own timeout from now, at most
        the request's deadline."""
        return min(asyncio.get_running_loop().time() + self.timeout_s, request_deadline)

    async def annotate(self, text: str, deadline: float) -> Section:
        """The ``helping_ai`` section of ``text``'s result. Never raises: a failure is the
        section's ``error``."""
        cached = self._answers.get(text)
        if cached is not None:
            return copy.deepcopy(cached)  # a caller editing its result must not edit ours
        section: Section = {
            "model": self.llm.model,
            "prompt_version": helper.PROMPT_VERSION,
            "context": None,
            "counterfactual": None,
            "error": None,
        }
        remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
        try:
            answer = await asyncio.wait_for(self._ask(text), remaining)
        except TimeoutError:
            section["error"] = (
                f"no answer within serve.helping_ai_timeout_s={self.timeout_s} s "
                "(or the request's deadline)"
            )
        except _BudgetExhaustedError as err:
            section["error"] = f"budget exhausted: {err}"
        except (TransportError, ServerRefusedError, _InvalidAnswerError) as err:
            section["error"] = scrub(str(err), self._key)
        except Exception as err:
            # Unexpected (a bug, a library error): logged in full, reported by type.
            log.exception("helping_ai failed unexpectedly")
            section["error"] = scrub(f"{type(err).__name__}: {err}", self._key)
        else:
            section["context"] = answer.context.model_dump() if answer.context else None
            section["counterfactual"] = answer.counterfactual
            self._answers.put(text, copy.deepcopy(section))
        if section["error"] is not None:
            log.warning("helping_ai: %s", section["error"])
        return section

    def _check_budget(self) -> None:
        if reason := self.budget.exhausted():
            raise _BudgetExhaustedError(reason)

    async def _ask(self, text: str) -> helper.HelperAnswer:
        async with self._gate:
            asked = await ask_validated(
                self.client,
                helper.messages(text),
                self._format,
                helper.validate_answer,
                max_retries=self.llm.max_retries,
                budget=self.budget,
                before_each=self._check_budget,
            )
        if asked.answer is None:
            raise _InvalidAnswerError(
                f"invalid answer after {len(asked.problems)} attempt(s); last:\n"
                f"{asked.problems[-1]}"
            )
        return asked.answer


class _InvalidAnswerError(Exception):
    pass
