"""A whole labelling run against the fake server: order, retries, rejects, cache, caps."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import TINY, compose_train
from tests.label.conftest import (
    SECRET,
    TEXTS,
    fast_llm,
    label_settings,
    read_rows,
    text_rows,
    write_rows,
)
from tests.llm.fake_llm import INVALID_JSON, SCHEMA_VIOLATION, FakeLLM, Slow, Status

from redheart_lit.data.schema import load_jsonl
from redheart_lit.label.run import (
    EXIT_BUDGET,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_TRANSPORT,
    RunSummary,
    label_file,
)
from redheart_lit.label.settings import LabelSettings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def run(tmp_path: Path, server: FakeLLM, rows: list[dict[str, Any]] | None = None,
        settings: dict[str, Any] | None = None, **llm: Any) -> tuple[RunSummary, LabelSettings]:  # fmt: skip
    """Label ``rows`` (the four TEXTS by default) once; returns the summary and settings."""
    if rows is not None or not (tmp_path / "texts.jsonl").exists():
        write_rows(tmp_path / "texts.jsonl", rows if rows is not None else text_rows())
    config = label_settings(tmp_path, fast_llm(server.base_url, **llm), **(settings or {}))
    return label_file(config, SECRET), config


def output(config: LabelSettings) -> list[dict[str, Any]]:
    return read_rows(Path(config.output))


def rejects(config: LabelSettings) -> list[dict[str, Any]]:
    return read_rows(Path(config.rejects))


def test_rows_come_out_in_input_order_and_pass_the_validator(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    texts = [f"Row number {i} of a longer file." for i in range(8)]
    for i, text in enumerate(texts[:4]):  # early rows answer last
        fake_llm.script(text, [Slow(0.2 - 0.05 * i)])
    summary, config = run(tmp_path, fake_llm, text_rows(texts), concurrency=4)
    assert (summary.labelled, summary.rejected, summary.exit_code) == (8, 0, EXIT_OK)
    assert [r["id"] for r in output(config)] == [f"t{i}" for i in range(8)]
    records = load_jsonl(config.output)
    assert records[0].provenance["model"] == "fake-model"
    assert records[0].context["act"] == "thanked a friend"
    assert rejects(config) == []


def test_invalid_answers_are_asked_again_with_the_error(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXTS[1], [INVALID_JSON, SCHEMA_VIOLATION])
    summary, _ = run(tmp_path, fake_llm, max_retries=2)
    assert (summary.labelled, summary.rejected) == (4, 0)
    first, second, third = fake_llm.requests_for(TEXTS[1])
    assert len(first.body["messages"]) == 2
    # The second request carries the bad answer and what was wrong with it.
    bad, feedback = second.body["messages"][2:]
    assert (bad["role"], bad["content"]) == ("assistant", '{"emotions": [oops')
    assert "Invalid JSON" in feedback["content"]
    last = third.body["messages"][-1]["content"]
    assert "- regret: Input should be less than or equal to 1" in last
    # Tokens of every attempt count.
    assert summary.budget.requests == 6


def test_rows_that_never_validate_go_to_rejects_with_the_reason(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    fake_llm.script(TEXTS[2], [INVALID_JSON, SCHEMA_VIOLATION, SCHEMA_VIOLATION])
    summary, config = run(tmp_path, fake_llm, max_retries=2)
    assert (summary.labelled, summary.rejected) == (3, 1)
    assert [r["id"] for r in output(config)] == ["t0", "t1", "t3"]
    (reject,) = rejects(config)
    assert (reject["id"], reject["line"]) == ("t2", 3)
    assert reject["reason"].startswith("invalid answer after 3 attempt(s); last:\n- regret:")
    assert len(reject["problems"]) == 3
    assert "Invalid JSON" in reject["problems"][0]
    assert reject["record"] == text_rows()[2]
    assert len(fake_llm.requests_for(TEXTS[2])) == 3


def test_transport_failures_reject_the_row_and_are_asked_again_next_time(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    fake_llm.script(TEXTS[0], [Status(500), Status(429, {"Retry-After": "0"})])
    summary, config = run(tmp_path, fake_llm, transport_retries=1)
    (reject,) = rejects(config)
    assert reject["reason"].startswith("transport: HTTP 429 from the server; gave up after 2")
    assert (summary.rejected, summary.unsent, summary.exit_code) == (1, 1, EXIT_TRANSPORT)
    assert "1 rejected row(s) got no answer from the server; a rerun asks again" in (
        summary.lines(config)
    )
    fake_llm.reset_requests()
    summary, config = run(tmp_path, fake_llm, transport_retries=1)
    # Not an answer, so not cached: only that row is asked again (now it succeeds).
    assert [r.row["text"] for r in fake_llm.requests] == [TEXTS[0]]
    assert (summary.labelled, summary.rejected) == (4, 0)


def test_an_identical_rerun_sends_nothing_and_writes_the_same_files(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    fake_llm.script(TEXTS[3], [INVALID_JSON] * 3)
    _, config = run(tmp_path, fake_llm, max_retries=2)
    written = Path(config.output).read_bytes(), Path(config.rejects).read_bytes()
    assert fake_llm.requests
    fake_llm.reset_requests()
    second, config = run(tmp_path, fake_llm, max_retries=2)
    assert fake_llm.requests == []
    assert (second.labelled, second.cached, second.rejected) == (3, 3, 1)
    assert second.budget.tokens == 0
    assert (Path(config.output).read_bytes(), Path(config.rejects).read_bytes()) == written
    # retry_rejects asks again for the rejected row only.
    run(tmp_path, fake_llm, settings={"retry_rejects": True}, max_retries=2)
    assert [r.row["text"] for r in fake_llm.requests] == [TEXTS[3]]


def test_a_hand_edited_cache_entry_is_asked_again(tmp_path: Path, fake_llm: FakeLLM) -> None:
    _, config = run(tmp_path, fake_llm, rows=text_rows()[:1])
    (path,) = Path(config.cache_dir).glob("*/*.json")
    entry = json.loads(path.read_text("utf-8"))
    entry["answer"]["regret"] = 7  # breaks the schema
    path.write_text(json.dumps(entry), "utf-8")
    fake_llm.reset_requests()
    summary, config = run(tmp_path, fake_llm, rows=text_rows()[:1])
    assert (summary.labelled, summary.cached, len(fake_llm.requests)) == (1, 0, 1)
    assert output(config)[0]["labels"]["regret"] == 0.2


def test_token_cap_stops_cleanly_and_a_rerun_resumes(tmp_path: Path, fake_llm: FakeLLM) -> None:
    # Each answer reports 150 tokens: two answers reach the cap of 300.
    summary, config = run(tmp_path, fake_llm, max_tokens_total=300, concurrency=1)
    assert summary.exit_code == EXIT_BUDGET
    assert summary.stop_reason == "token cap reached: 300 >= llm.max_tokens_total=300"
    assert (summary.labelled, summary.unfinished) == (2, 2)
    assert [r["id"] for r in output(config)] == ["t0", "t1"]
    assert len(load_jsonl(config.output)) == 2  # what was written trains
    lines = summary.lines(config)
    assert lines[0] == f"stopped early: {summary.stop_reason}"
    assert "spent: 2 answered request(s), 300 tokens (200 prompt + 100 completion)" in lines
    fake_llm.reset_requests()
    summary, config = run(tmp_path, fake_llm, max_tokens_total=None, concurrency=1)
    assert [r.row["text"] for r in fake_llm.requests] == TEXTS[2:]
    assert (summary.labelled, summary.cached, summary.exit_code) == (4, 2, EXIT_OK)


def test_cost_cap(tmp_path: Path, fake_llm: FakeLLM) -> None:
    # 100 * 10 / 1e6 + 50 * 20 / 1e6 = 0.002 per answer.
    prices = {"price_input_per_1m": 10.0, "price_output_per_1m": 20.0}
    summary, config = run(tmp_path, fake_llm, max_cost=0.004, concurrency=1, **prices)
    assert summary.exit_code == EXIT_BUDGET
    assert summary.stop_reason == "cost cap reached: 0.0040 >= llm.max_cost=0.004"
    assert len(output(config)) == 2
    assert summary.budget.cost == pytest.approx(0.004)


def test_a_refused_request_stops_the_run(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.script(TEXTS[1], [Status(401)])
    summary, config = run(tmp_path, fake_llm, concurrency=1)
    assert summary.exit_code == EXIT_REFUSED
    assert "HTTP 401" in (summary.stop_reason or "")
    assert [r["id"] for r in output(config)] == ["t0"]
    assert (summary.unfinished, len(fake_llm.requests)) == (3, 2)


def test_a_server_that_is_down_stops_the_run(tmp_path: Path, fake_llm: FakeLLM) -> None:
    for text in TEXTS:
        fake_llm.script(text, [Status(503)] * 3)
    summary, config = run(tmp_path, fake_llm, concurrency=1, transport_retries=2,
                          stop_after_failed_rows=2)  # fmt: skip
    assert summary.stop_reason == "2 rows in a row could not reach the server"
    assert (summary.rejected, summary.unfinished, summary.exit_code) == (2, 2, EXIT_TRANSPORT)
    assert len(fake_llm.requests) == 6
    assert output(config) == []


def test_usage_not_reported_ends_a_capped_run(tmp_path: Path, fake_llm: FakeLLM) -> None:
    fake_llm.report_usage = False
    summary, config = run(tmp_path, fake_llm, concurrency=1)
    assert summary.exit_code == EXIT_BUDGET
    assert "reported no token usage" in (summary.stop_reason or "")
    assert len(output(config)) == 1  # the answer that came is used
    summary, _ = run(tmp_path, fake_llm, concurrency=1, max_tokens_total=None)
    assert (summary.labelled, summary.exit_code) == (4, EXIT_OK)


def test_complete_rows_are_kept_without_a_request(tmp_path: Path, fake_llm: FakeLLM) -> None:
    complete = read_rows(SAMPLE / "train.jsonl")[2]  # en-0004: every label and a counterfactual
    complete = {**complete, "context": {"agent": "I", "act": "skipped lunch", "affected": [],
                                        "consequences": []}}  # fmt: skip
    summary, config = run(tmp_path, fake_llm, [complete, *text_rows()[:1]])
    assert (summary.kept, summary.labelled) == (1, 1)
    assert output(config)[0] == complete
    assert [r.row["text"] for r in fake_llm.requests] == [TEXTS[0]]


def test_the_key_reaches_the_server_and_no_file_or_log(
    tmp_path: Path, fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK's and httpx's debug lines too
    fake_llm.script(TEXTS[0], [Status(500), INVALID_JSON, INVALID_JSON, INVALID_JSON])
    fake_llm.script(TEXTS[1], [Status(401)])
    run(tmp_path, fake_llm, concurrency=1)
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 3  # input, output, rejects, cache entries
    for path in files:
        assert SECRET not in path.read_text("utf-8"), path
    assert SECRET not in caplog.text
    assert "HTTP 500" in caplog.text  # the log did capture the run


def test_labelled_output_trains_with_the_tiny_experiment(tmp_path: Path, fake_llm: FakeLLM) -> None:
    from redheart_lit.cli.train import train

    sample = read_rows(SAMPLE / "train.jsonl")[:12]
    rows = [{"id": r["id"], "text": r["text"], "lang": r["lang"]} for r in sample]
    summary, config = run(tmp_path, fake_llm, rows, concurrency=4)
    assert summary.labelled == 12
    labelled = output(config)
    data = tmp_path / "data"
    data.mkdir()
    for name, part in (("train", labelled[:8]), ("val", labelled[8:10]), ("test", labelled[10:])):
        write_rows(data / f"{name}.jsonl", part)
    cfg = compose_train(
        [*TINY, f"data.root={data}", "logger=none", "callbacks.early_stopping=null"],
        tmp_path / "run",
    )
    metrics, _ = train(cfg)
    for key in ("train/loss", "val/loss", "test/loss"):
        assert math.isfinite(metrics[key]), (key, metrics)
    assert "val/bentham/factors_mae" in metrics
    assert "test/regret/mae" in metrics


def test_cache_entries_hold_answers_not_requests(tmp_path: Path, fake_llm: FakeLLM) -> None:
    _, config = run(tmp_path, fake_llm, rows=text_rows()[:1])
    (entry_path,) = Path(config.cache_dir).glob("*/*.json")
    entry = json.loads(entry_path.read_text("utf-8"))
    assert entry["status"] == "ok"
    assert entry["usage"] == {"prompt_tokens": 100, "completion_tokens": 50}
    assert entry["response_hash"] == output(config)[0]["provenance"]["response_hash"]
    assert set(entry) == {"status", "model", "prompt_version", "time", "answer", "content",
                          "response_hash", "usage", "attempts"}  # fmt: skip
