"""benchmarks/scaling.py: the fixed-length data, its pure helpers, and one quick real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import StepClock
from scaling import (
    SPECIAL_TOKENS,
    fixed_bytes,
    length_overrides,
    main,
    parse_point,
    point_summary,
    scaled_records,
    sweep_points,
    write_data,
)

from redheart_lit.data.schema import load_jsonl
from redheart_lit.tokenizer import ByteTokenizer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_fixed_bytes_repeats_a_short_english_text_to_the_exact_length() -> None:
    text = fixed_bytes("I lied.", 20)
    assert text == "I lied. I lied. I li"
    assert len(text.encode("utf-8")) == 20


def test_fixed_bytes_cuts_a_long_text() -> None:
    assert fixed_bytes("  abcdefghij  ", 6) == "abcdef"


def test_fixed_bytes_cut_mid_korean_character_stays_valid_utf8_and_exact() -> None:
    # "오늘" is 6 bytes; 5 bytes end inside "늘" (bytes 3..5), which is dropped whole.
    text = fixed_bytes("오늘", 5)
    raw = text.encode("utf-8")
    assert len(raw) == 5
    assert raw.decode("utf-8") == text  # valid UTF-8, nothing replaced
    assert text == "오  "  # the 2 bytes short of a whole syllable are spaces
    # 8 bytes of "오늘 오늘" end inside the second "오" (bytes 7..9): separator + 1 space.
    assert fixed_bytes("오늘", 8) == "오늘  "


@pytest.mark.parametrize("n", [4, 5, 6, 7, 63, 126, 510])
def test_fixed_bytes_is_exact_for_every_cut_of_a_mixed_text(n: int) -> None:
    text = fixed_bytes("나는 친구에게 거짓말을 했다. I lied. 😞", n)
    assert len(text.encode("utf-8")) == n
    assert "\ufffd" not in text
    assert text.strip()


def test_fixed_bytes_rejects_blank_texts_and_lengths_below_one_character() -> None:
    with pytest.raises(ValueError, match="whitespace"):
        fixed_bytes("   ", 10)
    with pytest.raises(ValueError, match=">= 4"):
        fixed_bytes("abc", 3)


def test_scaled_records_cycle_with_unique_ids_and_keep_labels() -> None:
    records = [
        {"id": "a", "text": "x", "lang": "en", "labels": {"regret": 0.5}},
        {"id": "b", "text": "y", "lang": "en", "counterfactual": "z", "labels": {}},
    ]
    out = scaled_records(records, 9, 5)
    assert [r["id"] for r in out] == ["a", "b", "a-r1", "b-r1", "a-r2"]
    assert all(len(r["text"].encode()) == 9 for r in out)
    assert out[1]["counterfactual"] == "z z z z z"
    assert "counterfactual" not in out[0]
    assert out[4]["labels"] == {"regret": 0.5}
    assert records[0]["text"] == "x"  # the input is not modified


def test_write_data_gives_valid_records_of_one_token_length(tmp_path: Path) -> None:
    n_train = write_data(tmp_path, 126, batch_size=64)
    train = load_jsonl(tmp_path / "train.jsonl")
    val = load_jsonl(tmp_path / "val.jsonl")  # the project's validator accepts them
    assert n_train == len(train) == 256  # 223 sample records, up to whole batches of 64
    assert len(val) == 64
    tokenizer = ByteTokenizer(max_length=512)
    texts = [r.text for r in train] + [r.counterfactual for r in train if r.counterfactual]
    assert {tokenizer(texts).input_ids.shape[1]} == {126 + SPECIAL_TOKENS}
    assert (tokenizer(texts).attention_mask.sum(1) == 128).all()  # no padding anywhere


def test_length_overrides_grow_only_what_must_grow() -> None:
    # small: max_length 192, max_positions 256
    assert length_overrides(192, 256, 512) == [
        "model.config.tokenizer.max_length=512",
        "model.config.backbone.max_positions=512",
    ]
    assert length_overrides(192, 256, 256) == ["model.config.tokenizer.max_length=256"]
    assert length_overrides(192, 256, 128) == []


def test_sweep_points_run_the_shared_point_once() -> None:
    assert sweep_points([64, 128], 16, [8, 16], 128) == [(64, 16), (128, 16), (128, 8)]


def test_parse_point_reads_the_last_stdout_line() -> None:
    assert parse_point('noise\n{"samples_per_s": 3.0}\n') == {"samples_per_s": 3.0}
    with pytest.raises(RuntimeError, match="nothing"):
        parse_point("\n")


def _clock(ends: list[float], batch: int) -> StepClock:
    return StepClock(ends=ends, samples=[batch] * len(ends), losses=[1.0] * len(ends))


def test_point_summary_times_the_steps_after_warmup() -> None:
    # Two warm-up steps; the clock starts at 1.0 s; three timed steps of 8 rows end at 4.0 s.
    clock = _clock([0.5, 1.0, 2.0, 3.0, 4.0], batch=8)
    shapes = [(64, 8, 2, 64)] * 5
    summary = point_summary(clock, shapes, warmup=2, seq_len=64, batch_size=8, extra={"x": 1})
    assert summary["timed_steps"] == 3
    assert summary["timed_s"] == 3.0
    assert summary["samples_per_s"] == 8.0
    assert summary["tokens_per_s"] == 8.0 * 64
    assert summary["backbone_tokens_per_s"] == (8 + 2) * 64
    assert summary["s_per_step"] == 1.0
    assert summary["text_bytes"] == 62
    assert summary["x"] == 1


def test_point_summary_fails_on_a_step_of_another_shape() -> None:
    clock = _clock([0.0, 1.0, 2.0], batch=8)
    shapes = [(64, 8, 0, 1), (64, 8, 1, 60), (64, 8, 0, 1)]
    with pytest.raises(RuntimeError, match=r"\(64, 8, 60\)"):
        point_summary(clock, shapes, warmup=1, seq_len=64, batch_size=8, extra={})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seq-lens", "4"], "--seq-lens must all be >= 6"),
        (["--batch-sizes", "8", "8"], "--batch-sizes repeats"),
        (["--warmup", "0"], "--warmup must all be >= 1"),
        (["--min-steps", "5", "--max-steps", "2"], "--max-steps=2 < --min-steps=5"),
        (["--seconds", "nan"], "--seconds must be"),
        (["--threads", "0"], "--threads must all be >= 1"),
        (["--point", "--seq-len", "64"], "--point needs"),
        (["--seq-len", "64"], "go with --point only"),
        (["--point", "--seq-len", "64", "--batch-size", "2", "--longest", "32"], "--longest=32"),
    ],
)
def test_bad_flags_stop_before_any_point(argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        main(argv)


def test_quick_run_writes_points_json_and_plots(tmp_path: Path) -> None:
    """Tiny model, two points per sweep (one shared), two timed steps each, one thread."""
    out, img = tmp_path / "scaling.json", tmp_path / "img"
    argv = [
        "--model", "tiny", "--seq-lens", "32", "64", "--seq-batch", "4",
        "--batch-sizes", "2", "4", "--batch-seq", "32", "--warmup", "1",
        "--seconds", "0", "--min-steps", "2", "--threads", "1",
        "--out", str(out), "--img-dir", str(img),
    ]  # fmt: skip
    main(argv)
    report = json.loads(out.read_text())
    points = {(p["seq_len"], p["batch_size"]): p for p in report["points"]}
    assert list(points) == [(32, 4), (64, 4), (32, 2)]
    for (seq_len, batch), point in points.items():
        assert point["timed_steps"] == 2
        assert point["samples_per_s"] > 0
        # samples/s (from harness.StepClock) and the timed window agree on what was timed.
        timed = point["timed_steps"] * batch / point["timed_s"]
        assert point["samples_per_s"] == pytest.approx(timed, rel=1e-2)
        assert point["tokens_per_s"] == pytest.approx(point["samples_per_s"] * seq_len, rel=1e-3)
        assert point["peak_rss_mib"] >= point["rss_before_fit_mib"] > 0
        assert point["torch_threads"] == 1
        assert point["train_records"] % batch == 0
        assert point["load_avg_1m_before"] >= 0
        assert point["model_overrides"] == []  # tiny takes 96 bytes already
    assert report["sweeps"]["seq_len"] == {"batch_size": 4, "values": [32, 64]}
    assert report["command"].startswith("python benchmarks/scaling.py --model tiny")
    for name in ("scaling_seq.png", "scaling_batch.png"):
        assert (img / name).read_bytes()[:8] == PNG_MAGIC
