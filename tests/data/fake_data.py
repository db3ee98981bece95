"""Small files in the real datasets' formats, for reader and DataModule tests.

Import as ``from tests.data.fake_data import ...``. :func:`fake_data_root` builds a folder
laid out like ``../shared/data`` (``goemotions/{en,ko}``, ``ethics/<task>``), so every real
``data=`` config can run its ``setup`` offline with ``REDHEART_DATA_ROOT`` pointing at it.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from redheart_lit.tasks.spec import EMOTION_LABELS

# One header per ETHICS task (None: headerless), and its file prefix.
ETHICS_LAYOUT: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "utilitarianism": ("util", None),
    "commonsense": ("cm", ("label", "input", "is_short", "edited")),
    "deontology": ("deontology", ("label", "scenario", "excuse")),
    "justice": ("justice", ("label", "scenario")),
    "virtue": ("virtue", ("label", "scenario")),
}


def write_lines(path: Path, lines: Sequence[str | bytes]) -> Path:
    """Write raw lines (``bytes`` untouched), each followed by a newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines)
    path.write_bytes(data)
    return path


def write_goemotions(
    folder: Path, splits: dict[str, Sequence[str]], names: Sequence[str] = EMOTION_LABELS
) -> Path:
    """``labels.txt`` plus ``<split>.tsv`` holding the given raw TSV lines."""
    write_lines(folder / "labels.txt", list(names))
    for split, lines in splits.items():
        write_lines(folder / f"{split}.tsv", lines)
    return folder


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] | None) -> Path:
    """A CSV file written by the csv module (quotes where needed, as in ETHICS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def ethics_rows(task: str, n: int, tag: str) -> list[list[str]]:
    """``n`` valid rows for ``task``; ``tag`` keeps texts of different files apart."""
    rows = []
    for i in range(n):
        text = f"{tag} scenario {i}, with a comma."
        label = str(i % 2)
        rows.append(
            {
                "utilitarianism": [f"{text} It went well.", f"{text} It went badly."],
                "commonsense": [label, text, "True", "False"],
                "deontology": [label, f"Aren't you supposed to do task {i}?", f"{tag} excuse."],
                "justice": [label, text],
                "virtue": [label, f"{text} [SEP] kind"],
            }[task]
        )
    return rows


def write_ethics(root: Path, task: str, splits: dict[str, Sequence[Sequence[str]]]) -> Path:
    """``<root>/<task>/<prefix>_<split>.csv`` for every split given."""
    prefix, header = ETHICS_LAYOUT[task]
    for split, rows in splits.items():
        write_csv(root / task / f"{prefix}_{split}.csv", rows, header)
    return root


def fake_data_root(root: Path, n: int = 60) -> Path:
    """A folder like ``../shared/data``: GoEmotions en/ko train+dev, ETHICS train+test
    (commonsense: test only, as here); no GoEmotions test and no test_hard files."""
    for lang in ("en", "ko"):
        splits = {
            split: [f"{lang} {split} comment {i}\t{i % 28},{(i + 5) % 28}\tc{i}" for i in range(n)]
            for split in ("train", "dev")
        }
        write_goemotions(root / "goemotions" / lang, splits)
    for task in ETHICS_LAYOUT:
        splits = {"test": ethics_rows(task, n, f"{task} test")}
        if task != "commonsense":
            splits["train"] = ethics_rows(task, n, f"{task} train")
        write_ethics(root / "ethics", task, splits)
    return root
