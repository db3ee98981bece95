"""Rows of delimited files (CSV, TSV) or of any row source, turned into validated records.

Every reader builds records the same way: a *converter* maps one row to the JSON-like
record of the schema (``docs/data.md``), :func:`~redheart_lit.data.schema.parse_record`
checks it with the same rules as a JSONL line, and every problem is collected as
``file:line: field: what is wrong`` before one :class:`DataError` is raised. Nothing is
dropped or repaired.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from redheart_lit.data.schema import Record, parse_record, raise_if_invalid


@dataclass(frozen=True)
class Row:
    """One data row.

    Attributes:
        where: its place for messages: ``file:line`` (first line of the row) or, for a
            dataset that is not a file, ``name[split]:index``.
        number: the line (1-based) or the row index; readers put it into record ids.
        fields: column name -> value; an optional trailing column that is absent is
            missing from the mapping.
    """

    where: str
    number: int
    fields: Mapping[str, Any]


class RowError(ValueError):
    """A converter's complaint about one field of a row: ``field: what is wrong``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


# Row -> JSON-like record (``id``, ``text``, ``lang``, ``counterfactual``, ``labels``).
Convert = Callable[[Row], dict[str, Any]]


def require_dir(path: Path, expects: str) -> Path:
    """``path`` if it is a folder, else ``FileNotFoundError`` saying what belongs there."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such folder; expected {expects}")
    return path


def require_file(path: Path, expects: str) -> Path:
    """``path`` if it is a file, else ``FileNotFoundError`` saying what belongs there."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; expected {expects}")
    return path


def build_records(
    source: str | Path, rows: Iterable[Row], convert: Convert, problems: list[str]
) -> list[Record]:
    """Convert and validate every row; raise ``DataError`` listing all problems.

    ``problems`` may already hold (or, while ``rows`` is consumed, receive) problems
    found by the row source itself, such as a wrong field count.
    """
    records: list[Record] = []
    for row in rows:
        try:
            obj = convert(row)
        except RowError as err:
            problems.append(f"{row.where}: {err}")
            continue
        record, found = parse_record(obj)
        problems += [f"{row.where}: {problem}" for problem in found]
        if record is not None:
            records.append(record)
    raise_if_invalid(source, problems, len(records))
    return records


def read_delimited(
    path: Path,
    convert: Convert,
    *,
    expects: str,
    columns: Sequence[str],
    header: bool,
    delimiter: str = ",",
    quoted: bool = True,
    optional: int = 0,
) -> list[Record]:
    """Read a CSV/TSV file into validated records.

    Args:
        path: the file; ``FileNotFoundError`` names it and ``expects`` when it is missing.
        convert: row -> JSON-like record.
        columns: the column names, in file order.
        header: the first non-blank line must spell ``columns`` exactly.
        delimiter: ``","`` or ``"\\t"``.
        quoted: CSV quoting (fields may hold delimiters and newlines). Without it a quote
            character is plain text, as in the GoEmotions TSV files.
        optional: how many trailing columns a row may leave out.
    """
    require_file(path, expects)
    problems: list[str] = []
    with path.open("rb") as handle:
        rows = _rows(handle, path, problems, columns, header, delimiter, quoted, optional)
        return build_records(path, rows, convert, problems)


def _rows(
    handle: BinaryIO,
    path: Path,
    problems: list[str],
    columns: Sequence[str],
    header: bool,
    delimiter: str,
    quoted: bool,
    optional: int,
) -> Iterator[Row]:
    """The data rows of an open file; structural problems go to ``problems``."""
    lines = _decoded_lines(handle, path, problems)
    # strict: a stray quote in a quoted file is an error, not a silently merged field.
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    table = csv.reader(lines, delimiter=delimiter, quoting=quoting, strict=quoted)
    expect_header = header
    lowest, highest = len(columns) - optional, len(columns)
    end = 0
    while True:
        start = end + 1  # a quoted field can span lines; report the row's first line
        try:
            fields = next(table)
        except StopIteration:
            return
        except csv.Error as err:
            # The csv module cannot resynchronise after a broken quote; stop here.
            problems.append(f"{path}:{start}: line: malformed CSV ({err}); reading stopped")
            return
        end = table.line_num
        where = f"{path}:{start}"
        if len(fields) <= 1 and not "".join(fields).strip():
            continue  # blank line, as in JSONL
        if expect_header:
            expect_header = False
            if [f.strip() for f in fields] != list(columns):
                problems.append(
                    f"{where}: header: expected {delimiter.join(columns)!r}, "
                    f"got {delimiter.join(fields)!r}"
                )
            continue
        if not lowest <= len(fields) <= highest:
            wanted = str(highest) if lowest == highest else f"{lowest} to {highest}"
            problems.append(
                f"{where}: row: expected {wanted} fields ({', '.join(columns)}), got {len(fields)}"
            )
            continue
        yield Row(where, start, dict(zip(columns, fields, strict=False)))


def _decoded_lines(handle: BinaryIO, path: Path, problems: list[str]) -> Iterator[str]:
    """Lines as text; a line that is not UTF-8 is reported (and decoded with U+FFFD so the
    rest of the file is still checked; the file fails as a whole)."""
    for lineno, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as err:
            problems.append(f"{path}:{lineno}: line: invalid UTF-8 at byte {err.start}")
            yield raw.decode("utf-8", errors="replace")
