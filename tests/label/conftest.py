"""Fixtures of the label tests: the fake LLM server, input files and fast settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.label.fake_llm import FakeLLM

from redheart_lit.label.settings import LabelSettings, LLMSettings

# The key the tests "use": it must never appear in a file or a log line.
SECRET = "sk-test-DO-NOT-LEAK-4f1c2b"

TEXTS = [
    "My friend drove me to the airport at 5 am.",
    "I kept the extra change the cashier gave me.",
    "The rain stopped just as we left the cinema.",
    "I told my sister her cooking was great, though it was not.",
]


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def text_rows(texts: list[str] = TEXTS) -> list[dict[str, Any]]:
    return [{"id": f"t{i}", "text": t, "lang": "en"} for i, t in enumerate(texts)]


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


def label_settings(tmp_path: Path, llm: LLMSettings, **changes: Any) -> LabelSettings:
    values: dict[str, Any] = {
        "input": str(tmp_path / "texts.jsonl"),
        "output": str(tmp_path / "out" / "labelled.jsonl"),
        "cache_dir": str(tmp_path / "cache"),
        "llm": llm,
        "progress": False,
    }
    values.update(changes)
    return LabelSettings(**values)
