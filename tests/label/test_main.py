"""``python -m redheart_lit.label`` as a user runs it: exit codes, dry run, the key's safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT, compose_config
from tests.label.conftest import SECRET, TEXTS, fast_llm, read_rows, text_rows, write_rows
from tests.llm.fake_llm import INVALID_JSON, FakeLLM, Slow, Status

from redheart_lit.label.__main__ import run
from redheart_lit.label.run import EXIT_BUDGET, EXIT_INTERRUPTED, label_file
from redheart_lit.label.settings import LabelSettings


def _command(tmp_path: Path, args: tuple[str, ...], key: str | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src"), "PYTHONUNBUFFERED": "1"}
    env.pop("REDHEART_ROOT", None)
    env.pop("REDHEART_LLM_API_KEY", None)
    if key is not None:
        env["REDHEART_LLM_API_KEY"] = key
    argv = [sys.executable, "-m", "redheart_lit.label", "input=texts.jsonl",
            "output=out/labelled.jsonl", f"hydra.run.dir={tmp_path / 'run'}", *args]  # fmt: skip
    return {"args": argv, "cwd": tmp_path, "env": env, "text": True}


def label_cli(tmp_path: Path, *args: str, key: str | None = SECRET) -> subprocess.CompletedProcess:
    """Run the labeller in ``tmp_path`` (its cache, logs and run folder land there)."""
    return subprocess.run(**_command(tmp_path, args, key), capture_output=True, timeout=120)


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


def test_a_key_over_plain_http_to_another_host_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDHEART_LLM_API_KEY", SECRET)
    overrides = ["input=missing.jsonl", "output=out.jsonl", "llm.model=m",
                 "llm.base_url=http://10.255.255.1:8000/v1"]  # fmt: skip
    with pytest.raises(ValueError, match="the key would cross the network unencrypted") as err:
        run(compose_config("label", overrides, tmp_path))
    assert SECRET not in str(err.value)


def test_ctrl_c_writes_the_finished_rows_and_a_rerun_resumes(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    write_rows(tmp_path / "texts.jsonl", text_rows())
    fake_llm.script(TEXTS[2], [Slow(30)])  # the run is interrupted while it waits
    args = (f"llm.base_url={fake_llm.base_url}", "llm.model=fake-model", "llm.concurrency=1")
    process = subprocess.Popen(
        **_command(tmp_path, args, SECRET), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not fake_llm.requests_for(TEXTS[2]) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED
    assert "stopped early: interrupted" in out
    assert [r["id"] for r in read_rows(tmp_path / "out" / "labelled.jsonl")] == ["t0", "t1"]
    # The same command again (in process, to save a start-up): only the rest is asked.
    fake_llm.reset_requests()
    fake_llm.script(TEXTS[2], [])
    settings = LabelSettings(
        input=str(tmp_path / "texts.jsonl"),
        output=str(tmp_path / "out" / "labelled.jsonl"),
        llm=fast_llm(fake_llm.base_url, concurrency=1),
        cache_dir=str(tmp_path / "logs" / "cache" / "label"),
        progress=False,
    )
    summary = label_file(settings, SECRET)
    assert (summary.exit_code, summary.cached, summary.labelled) == (0, 2, 4)
    assert [r.row["text"] for r in fake_llm.requests] == TEXTS[2:]
