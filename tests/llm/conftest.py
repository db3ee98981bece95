"""Fixtures of every test that talks to the fake OpenAI-compatible server (``fake_llm.py``).

Used by tests/llm, tests/label and tests/serving (the server's helper); import
``SECRET``, ``fast_llm`` and the ``fake_llm`` fixture from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.llm.fake_llm import FakeLLM

from redheart_lit.llm.settings import LLMSettings

# The key the tests "use": it must never appear in a file, a response or a log line.
SECRET = "sk-test-DO-NOT-LEAK-4f1c2b"


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


def fast_llm(base_url: str, **changes: Any) -> LLMSettings:
    """Settings with tiny backoffs and timeouts, so retry tests take milliseconds."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "model": "fake-model",
        "timeout_s": 2.0,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "concurrency": 2,
    }
    values.update(changes)
    return LLMSettings(**values)
