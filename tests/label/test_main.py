"""``python -m redheart_lit.label`` as a user runs it: exit codes, dry run, the key's safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT
from tests.label.conftest import SECRET, TEXTS, read_rows, text_rows, write_rows
from tests.label.fake_llm import INVALID_JSON, FakeLLM, Status

from redheart_lit.label.run import EXIT_BUDGET


def label_cli(tmp_path: Path, *args: str, key: str | None = SECRET) -> subprocess.CompletedProcess:
    """Run the labeller in ``tmp_path`` (its cache, logs and run folder land there)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src"), "PYTHONUNBUFFERED": "1"}
    env.pop("REDHEART_ROOT", None)
    env.pop("REDHEART_LLM_API_KEY", None)
    if key is not None:
        env["REDHEART_LLM_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "redheart_lit.label", "input=texts.jsonl",
         "output=out/labelled.jsonl", f"hydra.run.dir={tmp_path / 'run'}", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_capped_run_exits_3_and_the_key_is_nowhere(tmp_path: Path, fake_llm: FakeLLM) -> None:
    write_rows(tmp_path / "texts.jsonl", text_rows())
    fake_llm.script(TEXTS[0], [Status(503), INVALID_JSON])
    done = label_cli(
        tmp_path,
        f"llm.base_url={fake_llm.base_url}",
        "llm.model=fake-model",
        "llm.concurrency=1",
        "llm.backoff_base_s=0.01",
        "llm.max_tokens_total=450",  # three answers of 150 tokens
    )
    assert done.returncode == EXIT_BUDGET, done.stdout + done.stderr
    assert "stopped early: token cap reached: 450 >= llm.max_tokens_total=450" in done.stdout
    assert "spent: 3 answered request(s), 450 tokens" in done.stdout
    # Row 0 took two answers (one invalid), row 1 one: both written, in order.
    assert [r["id"] for r in read_rows(tmp_path / "out" / "labelled.jsonl")] == ["t0", "t1"]
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in fake_llm.requests)
    # Everything the run wrote: output, rejects, cache, Hydra's config copy and label.log.
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"labelled.jsonl", "labelled.jsonl.rejects.jsonl", "config.yaml", "label.log"} <= names
    assert any(p.suffix == ".json" and "cache" in p.parts for p in files)
    for path in files:
        assert SECRET not in path.read_text("utf-8", errors="replace"), path
    assert SECRET not in done.stdout + done.stderr
    assert "HTTP 503 from the server" in (tmp_path / "run" / "label.log").read_text()


def test_dry_run_shows_prompt_schema_and_estimate_and_sends_nothing(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    write_rows(tmp_path / "texts.jsonl", text_rows())
    done = label_cli(
        tmp_path,
        f"llm.base_url={fake_llm.base_url}",
        "llm.model=fake-model",
        "dry_run=true",
        "dry_run_rows=1",
        "llm.price_input_per_1m=1",
        "llm.price_output_per_1m=2",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "== row t0 (line 1); fills emotion, bentham" in out
    assert "== row t1" not in out
    assert json.dumps(TEXTS[0])[1:-1] in out  # the row, quoted in the user message
    assert '"type": "json_schema"' in out
    assert "4 row(s): 4 to ask, 0 cached, 0 already complete" in out
    assert "completion tokens: at most 4096 (4 x llm.max_answer_tokens=1024)" in out
    assert "cost: at most about" in out
    assert fake_llm.requests == []
    assert not (tmp_path / "out").exists()


def test_a_key_over_plain_http_to_another_host_is_refused(tmp_path: Path) -> None:
    write_rows(tmp_path / "texts.jsonl", text_rows())
    done = label_cli(tmp_path, "llm.base_url=http://10.255.255.1:8000/v1", "llm.model=m")
    assert done.returncode == 1
    assert "the key would cross the network unencrypted" in done.stderr
    assert SECRET not in done.stdout + done.stderr
