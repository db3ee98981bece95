"""ChatClient against the fake server: the request, transport retries, timeouts, refusals."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from typing import Any

import pytest
from tests.label.conftest import SECRET, fast_llm
from tests.llm.fake_llm import FakeLLM, Slow, Status

from redheart_lit.label.prompts import row_messages
from redheart_lit.label.schema import response_format
from redheart_lit.llm.client import (
    NO_KEY,
    ChatClient,
    Completion,
    ServerRefusedError,
    TransportError,
    retry_after_s,
)

TEXT = "I returned the wallet."


class Waits:
    """A ``sleep`` that records how long it was asked to wait, and does not wait."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def ask(server: FakeLLM, key: str | None = SECRET, waits: Waits | None = None,
        **changes: Any) -> Completion:  # fmt: skip
    async def go() -> Completion:
        client = ChatClient(fast_llm(server.base_url, **changes), key, sleep=waits or Waits())
        try:
            return await client.complete(row_messages(TEXT, "en", None), response_format())
        finally:
            await client.close()

    return asyncio.run(go())


def test_request_carries_model_schema_settings_and_key(fake_llm: FakeLLM) -> None:
    completion = ask(fake_llm, max_answer_tokens=300, seed=7, extra_body={"top_k": 1})
    assert json.loads(completion.content)["emotions"][0]["label"] == "joy"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (100, 50)
    (request,) = fake_llm.requests
    assert request.body["model"] == "fake-model"
    assert request.body["response_format"] == response_format()
    assert (request.body["temperature"], request.body["seed"]) == (0.0, 7)
    assert (request.body["max_tokens"], request.body["top_k"]) == (300, 1)
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_429_waits_as_long_as_retry_after_says(fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXT, [Status(429, {"Retry-After": "0.03"}), Status(429, {"Retry-After": "9"})])
    waits = Waits()
    ask(fake_llm, waits=waits)
    # 0.03 as asked; 9 s is capped at backoff_max_s = 0.05.
    assert waits.seconds == [0.03, 0.05]
    assert len(fake_llm.requests) == 3


def test_5xx_backs_off_exponentially(fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXT, [Status(500), Status(502), Status(503)])
    waits = Waits()
    ask(fake_llm, waits=waits, backoff_max_s=1.0)
    assert waits.seconds == [0.01, 0.02, 0.04]
    assert len(fake_llm.requests) == 4


def test_transport_retries_are_bounded(fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXT, [Status(500)] * 10)
    with pytest.raises(TransportError, match=r"HTTP 500 .*gave up after 3 attempt\(s\)"):
        ask(fake_llm, transport_retries=2)
    assert len(fake_llm.requests) == 3


def test_a_slow_answer_times_out_and_is_sent_again(fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXT, [Slow(2.0)])
    start = time.monotonic()
    completion = ask(fake_llm, timeout_s=0.3)
    assert time.monotonic() - start < 1.5  # not the 2 s the server took
    assert json.loads(completion.content)["regret"] == 0.2
    assert len(fake_llm.requests) == 2


def test_a_refused_request_is_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXT, [Status(401)])
    with pytest.raises(ServerRefusedError, match="HTTP 401: fake status 401"):
        ask(fake_llm)
    assert len(fake_llm.requests) == 1


def test_nothing_of_the_openai_environment_reaches_the_server(
    fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Meant for OpenAI, not for whatever llm.base_url names.
    account = {"OPENAI_API_KEY": "sk-for-openai", "OPENAI_ADMIN_KEY": "admin-for-openai",
               "OPENAI_ORG_ID": "org-for-openai", "OPENAI_PROJECT_ID": "proj-for-openai"}  # fmt: skip
    for name, value in account.items():
        monkeypatch.setenv(name, value)
    ask(fake_llm, key=None)
    ask(fake_llm, key=SECRET)
    without, with_key = (r.headers for r in fake_llm.requests)
    assert without["authorization"] == f"Bearer {NO_KEY}"
    assert with_key["authorization"] == f"Bearer {SECRET}"
    sent = json.dumps([without, with_key])
    assert not [value for value in account.values() if value in sent]


def test_retry_after_forms() -> None:
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None
    in_5s = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.0 < (retry_after_s({"retry-after": in_5s}) or 0) <= 5.0
