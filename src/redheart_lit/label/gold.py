"""Human labels to compare LLM labels with, read by the project's own readers.

The format follows the file name:

* ``*.jsonl``: records in the project schema (``docs/data.md``), any labels;
* ``<split>.tsv``: a GoEmotions split (``train``, ``dev``, ``test``) with ``labels.txt``
  beside it (``data/readers/goemotions.py``); record ids ``goemotions-<lang>/<split>:<line>``;
* ``<task folder>/<prefix>_<split>.csv``: an ETHICS split, e.g.
  ``ethics/commonsense/cm_test.csv`` (``data/readers/ethics.py``); record ids
  ``ethics-<task>/<split>:<line>``.

``python -m redheart_lit.label.gold gold=GOLD out=texts.jsonl`` writes the gold texts
without their labels, with the same ids: the input for the labeller whose output
``agreement`` then matches by id.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redheart_lit.data.readers.ethics import ETHICS_TASKS, EthicsReader
from redheart_lit.data.readers.ethics import SPLITS as ETHICS_SPLITS
from redheart_lit.data.readers.goemotions import SPLITS as GOEMOTIONS_SPLITS
from redheart_lit.data.readers.goemotions import GoEmotionsReader
from redheart_lit.data.schema import Record, load_jsonl


def read_gold(path: str | Path, lang: str = "en") -> list[Record]:
    """The records of a gold file; ``lang`` is given to GoEmotions rows (TSV has none)."""
    path = Path(path)
    if path.suffix == ".jsonl":
        return load_jsonl(path)
    if path.suffix == ".tsv":
        if path.stem not in GOEMOTIONS_SPLITS:
            raise ValueError(
                f"gold={path}: a GoEmotions file is named <split>.tsv with split in "
                f"{list(GOEMOTIONS_SPLITS)}"
            )
        return GoEmotionsReader(path.parent, lang=lang).read(path.stem)
    if path.suffix == ".csv":
        return _read_ethics(path)
    raise ValueError(
        f"gold={path}: expected project records (.jsonl), a GoEmotions split (.tsv) or an "
        "ETHICS split (.csv)"
    )


def _read_ethics(path: Path) -> list[Record]:
    for task, spec in ETHICS_TASKS.items():
        prefix = f"{spec.prefix}_"
        split = path.stem[len(prefix) :]
        if path.parent.name == spec.folder and path.stem.startswith(prefix):
            if split not in ETHICS_SPLITS:
                break
            return EthicsReader(path.parent.parent, task).read(split)
    layouts = ", ".join(f"{s.folder}/{s.prefix}_<split>.csv" for s in ETHICS_TASKS.values())
    raise ValueError(
        f"gold={path}: an ETHICS file is one of {layouts}, split in {list(ETHICS_SPLITS)}"
    )


def texts_of(records: list[Record]) -> list[dict[str, Any]]:
    """The records without labels: what the labeller is given."""
    rows = []
    for record in records:
        row: dict[str, Any] = {"id": record.id, "text": record.text, "lang": record.lang}
        if record.counterfactual is not None:
            row["counterfactual"] = record.counterfactual
        rows.append(row)
    return rows


@dataclass
class TextsArgs:
    gold: str = "???"
    out: str = "???"
    lang: str = "en"
    # Keep the first N rows only (0 = all): a labelled sample is usually enough to judge.
    limit: int = 0


USAGE = "usage: python -m redheart_lit.label.gold gold=GOLD out=texts.jsonl [lang=en] [limit=0]"


def main(argv: Sequence[str] | None = None) -> None:
    from redheart_lit.cli.dotlist import parse
    from redheart_lit.data.schema import write_jsonl

    args = parse(TextsArgs, sys.argv[1:] if argv is None else argv, USAGE)
    rows = texts_of(read_gold(args.gold, args.lang))
    if args.limit:
        rows = rows[: args.limit]
    write_jsonl(args.out, rows)
    print(f"wrote {len(rows)} text(s) to {args.out}")


if __name__ == "__main__":
    main()
