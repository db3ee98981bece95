"""One chat-completions request to any OpenAI-compatible server, with bounded retries.

The ``openai`` SDK speaks the protocol (OpenAI, vLLM, Ollama, llama.cpp's server all take
it); this module adds the policy the labeller and the server's helper need and the SDK
does not let us set:

* **Transient failures** (429, 5xx, a timeout, a dropped connection) are sent again up to
  ``llm.transport_retries`` times, after ``backoff_base_s * 2**k`` seconds (at most
  ``backoff_max_s``), or after the server's ``Retry-After`` when it gives one (capped the
  same way). The SDK's own retries are off, so its schedule never stacks on ours.
* **A request the server refuses** (any other 4xx: a wrong key, an unknown model, a body
  it does not take) would fail the same way for every row; it raises
  :class:`ServerRefusedError` (the labeller stops its run).
* **Timeouts are bounded** twice: the HTTP client's, and a hard deadline on the whole
  request, so a server that trickles bytes cannot hold a row forever.

The API key is given to the SDK explicitly and to nothing else. It is never read from
``OPENAI_API_KEY``: a key meant for OpenAI must not go to whatever ``llm.base_url`` names.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai

from redheart_lit.llm.prompts import Message
from redheart_lit.llm.settings import LLMSettings

log = logging.getLogger(__name__)

# Sent when no key is set: local servers (vLLM, Ollama, llama.cpp) ignore it, and the SDK
# needs something so that it does not fall back to $OPENAI_API_KEY.
NO_KEY = "no-key"

Sleep = Callable[[float], Awaitable[None]]
# Omit removes a header the SDK would otherwise send.
_WITHOUT_ACCOUNT_HEADERS: Any = {
    "OpenAI-Organization": openai.Omit(),
    "OpenAI-Project": openai.Omit(),
}


@dataclass(frozen=True)
class Usage:
    """Tokens of one request, as the server reports them."""

    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Completion:
    """The first choice of one answer.

    Attributes:
        content: the message text ("" when the server sent none).
        usage: None when the server reported no usage.
        finish_reason: ``stop``, ``length`` (cut at ``max_answer_tokens``), ...
        refusal: the model's refusal message, if it refused.
    """

    content: str
    usage: Usage | None
    finish_reason: str | None = None
    refusal: str | None = None


class TransportError(RuntimeError):
    """A request still failed after every transport retry (the row can be tried later)."""


class ServerRefusedError(RuntimeError):
    """The server refused the request itself (4xx other than 429); every row would fail."""


def retry_after_s(headers: Any) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, or ``Retry-After`` as
    seconds or an HTTP date; None when absent or unreadable."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
        if name == "retry-after":
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            return max(0.0, when.timestamp() - time.time())
    return None


class ChatClient:
    """Sends chat-completion requests with the answer schema and the retry policy above.

    Args:
        settings: ``llm.*``.
        api_key: the key, or None for servers that need none.
        sleep: how to wait between retries (tests pass a recorder).
    """

    def __init__(
        self, settings: LLMSettings, api_key: str | None, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        self._client = openai.AsyncOpenAI(
            api_key=api_key or NO_KEY,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,
            # The SDK would add $OPENAI_ORG_ID and $OPENAI_PROJECT_ID as headers: they
            # describe an OpenAI account and are none of another server's business.
            default_headers=_WITHOUT_ACCOUNT_HEADERS,
        )

    async def close(self) -> None:
        await self._client.close()

    def backoff_s(self, attempt: int, retry_after: float | None) -> float:
        """The wait before re-sending after failed attempt ``attempt`` (0-based)."""
        wait = self.settings.backoff_base_s * 2**attempt
        if retry_after is not None:
            wait = retry_after
        return min(wait, self.settings.backoff_max_s)

    async def complete(
        self, messages: list[Message], response_format: dict[str, Any]
    ) -> Completion:
        """One answer; :class:`TransportError` or :class:`ServerRefusedError` otherwise."""
        retries = self.settings.transport_retries
        for attempt in range(retries + 1):
            try:
                return await self._send(messages, response_format)
            except ServerRefusedError:
                raise
            except _TransientError as err:
                if attempt == retries:
                    raise TransportError(
                        f"{err.reason}; gave up after {retries + 1} attempt(s)"
                    ) from None
                wait = self.backoff_s(attempt, err.retry_after)
                log.warning("%s; retry %d/%d in %.2f s", err.reason, attempt + 1, retries, wait)
                await self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _send(self, messages: list[Message], response_format: dict[str, Any]) -> Completion:
        s = self.settings
        request: dict[str, Any] = {
            "model": s.model,
            "messages": messages,
            "response_format": response_format,
        }
        if s.temperature is not None:
            request["temperature"] = s.temperature
        if s.seed is not None:
            request["seed"] = s.seed
        if s.max_answer_tokens is not None:
            request["max_tokens"] = s.max_answer_tokens
        if s.extra_body:
            request["extra_body"] = dict(s.extra_body)
        try:
            response = await asyncio.wait_for(
                self._client.chat.completions.create(**request), timeout=s.timeout_s
            )
        except (asyncio.TimeoutError, openai.APITimeoutError):
            raise _TransientError(f"no answer within llm.timeout_s={s.timeout_s} s") from None
        except openai.APIConnectionError as err:
            raise _TransientError(f"connection failed ({type(err).__name__})") from None
        except openai.APIStatusError as err:
            status = err.status_code
            if status == 429 or status >= 500:
                raise _TransientError(
                    f"HTTP {status} from the server", retry_after_s(err.response.headers)
                ) from None
            raise ServerRefusedError(
                f"the server refused the request with HTTP {status}: {_brief(err)}"
            ) from None
        return _completion(response)


class _TransientError(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def _brief(err: openai.APIStatusError, limit: int = 300) -> str:
    """The server's error message, shortened: it goes into logs and the exit message."""
    body = err.body
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message if message is not None else err.message)
    return text if len(text) <= limit else text[:limit] + "..."


def _completion(response: Any) -> Completion:
    usage = None
    if getattr(response, "usage", None) is not None:
        usage = Usage(
            prompt_tokens=int(response.usage.prompt_tokens or 0),
            completion_tokens=int(response.usage.completion_tokens or 0),
        )
    if not response.choices:
        return Completion(content="", usage=usage)
    choice = response.choices[0]
    message = choice.message
    return Completion(
        content=message.content or "",
        usage=usage,
        finish_reason=choice.finish_reason,
        refusal=getattr(message, "refusal", None),
    )
