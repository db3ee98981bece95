"""Fixtures of the label tests: the fake LLM server, input files and fast settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The fake server's fixture, the key and fast settings are shared with tests/llm and the
# server's helper tests; imported here, so the label tests' own imports keep working.
from tests.llm.conftest import SECRET, fake_llm, fast_llm  # noqa: F401

from redheart_lit.label.settings import LabelSettings
from redheart_lit.llm.settings import LLMSettings

TEXTS = [
    "My friend drove me to the airport at 5 am.",
    "I kept the extra change the cashier gave me.",
    "The rain stopped just as we left the cinema.",
    "I told my sister her cooking was great, though it was not.",
]


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def text_rows(texts: list[str] = TEXTS) -> list[dict[str, Any]]:
    return [{"id": f"t{i}", "text": t, "lang": "en"} for i, t in enumerate(texts)]


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
