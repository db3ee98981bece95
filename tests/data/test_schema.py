"""The JSONL validator: every promised ``file:line: field: what is wrong`` message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from redheart_lit.data.schema import DataError, Record, load_jsonl
from redheart_lit.tasks.spec import BENTHAM_FACTORS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

# Distinct values per factor, so a wrong factor order would show.
BENTHAM = {name: round(0.05 * (i + 1), 2) for i, name in enumerate(BENTHAM_FACTORS)}
SURD = {"synergy": 0.1, "unique": 0.2, "redundant": 0.3, "leak": 0.4}


def row(**changes: Any) -> dict[str, Any]:
    """A valid record with every label; ``changes`` replace top-level fields."""
    base: dict[str, Any] = {
        "id": "r1",
        "text": "I kept the wallet I found.",
        "lang": "en",
        "counterfactual": "I handed the wallet in.",
        "labels": {
            "emotion": [17, 15],
            "bentham": dict(BENTHAM),
            "acceptability": 1,
            "utility_pref": 0,
            "regret": 0.25,
            "surd": dict(SURD),
        },
    }
    base.update(changes)
    return base


def labels(**changes: Any) -> dict[str, Any]:
    """The labels of :func:`row` with ``changes`` applied."""
    out = row()["labels"]
    out.update(changes)
    return out


def write(path: Path, lines: list[dict[str, Any] | str | bytes]) -> Path:
    """Write one JSONL line per item: dicts are JSON-encoded, bytes are written raw."""
    data = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        data += (line.encode("utf-8") if isinstance(line, str) else line) + b"\n"
    path.write_bytes(data)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(DataError) as err:
        load_jsonl(path)
    return str(err.value)


# Each bad line goes on line 2 after a valid row, so the line number is meaningful.
BAD_LINES: list[tuple[str, dict[str, Any] | str | bytes, str]] = [
    ("malformed JSON", '{"id": "r2", "text": ', "line: malformed JSON"),
    ("not an object", "[1, 2]", "record: must be a JSON object, got list"),
    ("empty text", row(id="r2", text="   "), "text: must be a non-empty string"),
    ("missing text", {"id": "r2", "lang": "en"}, "text: must be a non-empty string"),
    ("empty id", row(id=""), "id: must be a non-empty string"),
    ("bad lang", row(id="r2", lang="English"), "lang: must be an ISO 639 code"),
    (
        "unknown emotion id 28",
        row(id="r2", labels=labels(emotion=[3, 28])),
        "labels.emotion: unknown label id(s) [28]; ids are 0..27",
    ),
    (
        "negative emotion id",
        row(id="r2", labels=labels(emotion=[-1])),
        "labels.emotion: unknown label id(s) [-1]",
    ),
    (
        "empty emotion list",
        row(id="r2", labels=labels(emotion=[])),
        "labels.emotion: must be a non-empty list",
    ),
    (
        "duplicate emotion id",
        row(id="r2", labels=labels(emotion=[3, 3])),
        "labels.emotion: duplicate label ids",
    ),
    (
        "bentham above 1",
        row(id="r2", labels=labels(bentham={**BENTHAM, "purity": 1.5})),
        "labels.bentham: ['purity'] outside [0, 1]",
    ),
    (
        "bentham below 0",
        row(id="r2", labels=labels(bentham={**BENTHAM, "extent": -0.1})),
        "labels.bentham: ['extent'] outside [0, 1]",
    ),
    (
        "bentham missing a factor",
        row(id="r2", labels=labels(bentham=dict.fromkeys(BENTHAM_FACTORS[:-1], 0.5))),
        "labels.bentham: must be an object with keys",
    ),
    (
        "regret above 1",
        row(id="r2", labels=labels(regret=1.2)),
        "labels.regret: must be a number in [0, 1], got 1.2",
    ),
    (
        "regret below 0",
        row(id="r2", labels=labels(regret=-0.5)),
        "labels.regret: must be a number in [0, 1], got -0.5",
    ),
    (
        "regret not a number",
        row(id="r2", labels=labels(regret="high")),
        "labels.regret: must be a number in [0, 1], got 'high'",
    ),
    (
        "surd shares sum to 0.9",
        row(id="r2", labels=labels(surd={**SURD, "leak": 0.3})),
        "labels.surd: shares sum to 0.900000, not 1",
    ),
    (
        "surd share above 1",
        row(id="r2", labels=labels(surd={**SURD, "leak": 1.4})),
        "labels.surd: ['leak'] outside [0, 1]",
    ),
    (
        "acceptability not binary",
        row(id="r2", labels=labels(acceptability=2)),
        "labels.acceptability: must be 0 or 1, got 2",
    ),
    (
        # JSON true is a bool, which Python would otherwise accept as 1.
        "acceptability true",
        row(id="r2", labels=labels(acceptability=True)),
        "labels.acceptability: must be 0 or 1, got True",
    ),
    (
        "utility_pref without counterfactual",
        {k: v for k, v in row(id="r2").items() if k != "counterfactual"},
        "labels.utility_pref: needs a counterfactual to compare with",
    ),
    (
        "blank counterfactual",
        row(id="r2", counterfactual=" "),
        "counterfactual: must be a non-empty string when present",
    ),
    ("unknown field", {**row(id="r2"), "colour": "red"}, "colour: unknown field"),
    (
        "unknown label key",
        row(id="r2", labels=labels(valence=0.5)),
        "labels.valence: unknown label key",
    ),
    ("labels not an object", row(id="r2", labels=[1]), "labels: must be an object"),
    ("invalid UTF-8", b'{"id": "r2", "text": "caf\xe9", "lang": "en"}', "line: invalid UTF-8"),
    ("duplicate id", row(id="r1"), "id: duplicate id 'r1' (first on line 1)"),
]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [(bad, expected) for _, bad, expected in BAD_LINES],
    ids=[name for name, _, _ in BAD_LINES],
)
def test_bad_row_names_file_line_and_field(
    tmp_path: Path, bad: dict[str, Any] | str | bytes, expected: str
) -> None:
    path = write(tmp_path / "train.jsonl", [row(), bad])
    message = error_of(path)
    # "<file>:2: <field>: <what>": the path, the line, then the field and the problem.
    assert f"{path}:2: {expected}" in message
    assert message.startswith(f"1 invalid row(s) in {path}:")


def test_invalid_utf8_reports_the_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", [b'{"id": "a", "text": "\xff"}'])
    # The bad byte is the 22nd (offset 21) of the line.
    assert f"{path}:1: line: invalid UTF-8 at byte 21" in error_of(path)


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.jsonl",
        [
            row(),
            row(id="r2", text=""),
            "{not json",
            row(id="r4"),
            row(id="r5", labels=labels(regret=2.0)),
        ],
    )
    message = error_of(path)
    assert message.startswith(f"3 invalid row(s) in {path}:")
    assert f"{path}:2: text:" in message
    assert f"{path}:3: line: malformed JSON" in message
    assert f"{path}:5: labels.regret:" in message
    assert f"{path}:4:" not in message


def test_every_problem_of_one_row_is_reported(tmp_path: Path) -> None:
    bad = {**row(id="r2", text="", lang="xx-YY"), "extra": 1}
    message = error_of(write(tmp_path / "x.jsonl", [bad]))
    assert message.startswith("3 invalid row(s)")
    for field in ("extra: unknown field", "text:", "lang:"):
        assert field in message


def test_long_error_lists_are_cut_with_a_count(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", ["{"] * 25)
    message = error_of(path)
    assert message.startswith("25 invalid row(s)")
    assert f"{path}:20: line: malformed JSON" in message
    assert f"{path}:21:" not in message
    assert message.endswith("... and 5 more")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "train.jsonl"
    with pytest.raises(FileNotFoundError, match="no such data file") as err:
        load_jsonl(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["empty", "blank lines"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    assert error_of(path) == f"{path}: the file holds no records"


def test_valid_rows_parse_into_records(tmp_path: Path) -> None:
    minimal = {"id": "r2", "text": "안녕하세요", "lang": "ko"}
    path = write(tmp_path / "x.jsonl", [row(), "", minimal])  # a blank line is skipped
    first, second = load_jsonl(path)

    emotion = [0.0] * 28
    emotion[15] = emotion[17] = 1.0  # ids 17 and 15 -> multi-hot, in any order
    assert first == Record(
        id="r1",
        text="I kept the wallet I found.",
        lang="en",
        counterfactual="I handed the wallet in.",
        labels={
            "emotion": emotion,
            "bentham": [BENTHAM[name] for name in BENTHAM_FACTORS],
            "surd": [0.1, 0.2, 0.3, 0.4],
            "acceptability": 1.0,
            "utility_pref": 0.0,
            "regret": 0.25,
        },
    )
    assert all(isinstance(v, float) for v in first.labels["bentham"])
    assert isinstance(first.labels["acceptability"], float)
    # Every label is optional.
    assert second == Record(id="r2", text="안녕하세요", lang="ko")
    assert second.labels == {}
    assert second.counterfactual is None


def test_surd_sum_within_tolerance_is_accepted(tmp_path: Path) -> None:
    surd = {**SURD, "leak": 0.4005}  # sums to 1.0005, inside the 1e-3 tolerance
    path = write(tmp_path / "x.jsonl", [row(labels=labels(surd=surd))])
    (parsed,) = load_jsonl(path)
    assert parsed.labels["surd"] == [0.1, 0.2, 0.3, 0.4005]


def test_bentham_key_order_does_not_matter(tmp_path: Path) -> None:
    reversed_bentham = dict(reversed(list(BENTHAM.items())))
    path = write(tmp_path / "x.jsonl", [row(labels=labels(bentham=reversed_bentham))])
    (parsed,) = load_jsonl(path)
    assert parsed.labels["bentham"] == [BENTHAM[name] for name in BENTHAM_FACTORS]


def test_third_duplicate_names_the_first_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", [row(), row(), row()])
    message = error_of(path)
    assert f"{path}:2: id: duplicate id 'r1' (first on line 1)" in message
    assert f"{path}:3: id: duplicate id 'r1' (first on line 1)" in message


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_sample_data_is_valid(split: str) -> None:
    records = load_jsonl(SAMPLE / f"{split}.jsonl")
    assert records
    assert len({r.id for r in records}) == len(records)


def test_lang_with_a_trailing_newline_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", [row(lang="en\n")])
    assert f"{path}:1: lang: must be an ISO 639 code" in error_of(path)
