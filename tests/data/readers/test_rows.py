"""The shared CSV/TSV row reader: line numbers, structural checks, every problem reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.data.fake_data import write_lines

from redheart_lit.data.readers.rows import Row, RowError, read_delimited, require_dir
from redheart_lit.data.schema import DataError, Record


def _convert(row: Row) -> dict[str, Any]:
    """``label,text`` -> a record with acceptability; ``label`` x is a RowError."""
    if row.fields["label"] == "x":
        raise RowError("label", "must be 0 or 1, got 'x'")
    return {
        "id": f"r{row.number}",
        "text": row.fields["text"],
        "lang": "en",
        "labels": {"acceptability": int(row.fields["label"])},
    }


def _read(path: Path, header: bool = True, **kwargs: Any) -> list[Record]:
    return read_delimited(
        path, _convert, expects="label,text rows", columns=("label", "text"), header=header,
        **kwargs,
    )  # fmt: skip


def _error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(DataError) as err:
        _read(path, **kwargs)
    return str(err.value)


def test_quoted_fields_and_line_numbers(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "x.csv",
        ["label,text", '1,"two lines,\nwith a comma"', "", '0,"a ""quoted"" word"'],
    )
    first, second = _read(path)
    # Record ids carry the row's *first* line; the blank line 4 is skipped.
    assert first == Record("r2", "two lines,\nwith a comma", "en", labels={"acceptability": 1.0})
    assert second == Record("r5", 'a "quoted" word', "en", labels={"acceptability": 0.0})


def test_unquoted_tsv_keeps_quote_characters(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.tsv", ['1\t"So" he said "no', "0\tplain"])
    records = _read(path, header=False, delimiter="\t", quoted=False)
    assert [r.text for r in records] == ['"So" he said "no', "plain"]


def test_every_problem_names_file_line_and_field(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "x.csv",
        ["label,text", "1,fine", "x,bad label", "1,too,many", "2,out of range", "1,   ",
         b"1,caf\xe9"],
    )  # fmt: skip
    message = _error(path)
    assert message.startswith(f"5 invalid row(s) in {path}:")
    assert f"{path}:3: label: must be 0 or 1, got 'x'" in message
    assert f"{path}:4: row: expected 2 fields (label, text), got 3" in message
    assert f"{path}:5: labels.acceptability: must be 0 or 1, got 2" in message
    assert f"{path}:6: text: must be a non-empty string" in message
    assert f"{path}:7: line: invalid UTF-8 at byte 5" in message
    assert f"{path}:2:" not in message


def test_wrong_header(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.csv", ["lbl,text", "1,fine"])
    assert f"{path}:1: header: expected 'label,text', got 'lbl,text'" in _error(path)


def test_optional_trailing_column(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.tsv", ["1\tshort", "0\tlong\textra", "1"])
    kwargs = {"header": False, "delimiter": "\t", "quoted": False}
    columns = ("label", "text", "extra")
    with pytest.raises(DataError, match=r"x.tsv:3: row: expected 2 to 3 fields"):
        read_delimited(path, _convert, expects="rows", columns=columns, optional=1, **kwargs)


def test_broken_quote_stops_with_a_message(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.csv", ["label,text", '1,"open" quote', "1,fine"])
    assert f"{path}:2: line: malformed CSV" in _error(path)


@pytest.mark.parametrize("lines", [[], ["label,text", "", "  "]], ids=["empty", "header only"])
def test_no_records(tmp_path: Path, lines: list[str]) -> None:
    path = write_lines(tmp_path / "x.csv", lines)
    assert _error(path) == f"{path}: the file holds no records"


def test_missing_file_and_folder_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as err:
        _read(tmp_path / "absent.csv")
    assert str(err.value) == f"{tmp_path / 'absent.csv'}: no such file; expected label,text rows"
    with pytest.raises(FileNotFoundError, match="no such folder; expected the data"):
        require_dir(tmp_path / "nowhere", "the data")
