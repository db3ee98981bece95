"""GoEmotions (Demszky et al., 2020): 27 emotions + neutral, multi-label.

Two sources give the same records (``lang``, ``text``, ``labels.emotion`` only):

* ``source="tsv"``: a folder with ``labels.txt`` (28 names, one per line, in id order)
  and ``<split>.tsv`` files whose rows are ``text<TAB>comma-separated ids[<TAB>comment id]``
  (the layout of ``../shared/data/goemotions/{en,ko}``). Split names: ``train``, ``dev``,
  ``test``. The record id is ``goemotions-<lang>/<split>:<line>``.
* ``source="hf"``: ``root`` is a Hugging Face dataset name or local dataset folder that
  ``datasets.load_dataset(root, hf_config)`` reads, with a ``text`` column and a
  ``labels`` column of ``ClassLabel`` ids (``google-research-datasets/go_emotions``,
  config ``simplified``). The split names stay ``train``, ``dev``, ``test``; ``dev`` reads
  the dataset's ``validation`` split. The record id is ``goemotions-<lang>/<split>:<index>``.

Either way the label names must equal ``tasks.EMOTION_LABELS`` in order, because the ids
are used as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from redheart_lit.data.readers.rows import (
    Row,
    RowError,
    build_records,
    read_delimited,
    require_dir,
    require_file,
)
from redheart_lit.data.schema import DataError, Record
from redheart_lit.tasks.spec import EMOTION_LABELS

SPLITS = ("train", "dev", "test")
_HF_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
_COLUMNS = ("text", "labels", "comment_id")


class GoEmotionsReader:
    """Reads one language of GoEmotions.

    Args:
        root: the folder (``source="tsv"``) or the dataset name/folder (``source="hf"``).
        lang: ISO 639 code given to every record (``en``, ``ko``).
        source: ``tsv`` or ``hf``.
        hf_config: the dataset config for ``source="hf"`` (e.g. ``simplified``).
    """

    def __init__(
        self,
        root: str | Path,
        lang: str = "en",
        source: Literal["tsv", "hf"] = "tsv",
        hf_config: str | None = None,
    ) -> None:
        if source not in ("tsv", "hf"):
            raise ValueError(f"GoEmotionsReader: source={source!r}; use 'tsv' or 'hf'")
        if source == "tsv" and hf_config is not None:
            raise ValueError("GoEmotionsReader: hf_config is only used with source='hf'")
        self.root, self.lang, self.source, self.hf_config = str(root), lang, source, hf_config

    def read(self, split: str) -> list[Record]:
        if split not in SPLITS:
            raise ValueError(f"GoEmotions has no split {split!r}; splits are {list(SPLITS)}")
        return self._read_tsv(split) if self.source == "tsv" else self._read_hf(split)

    def _record(self, split: str, number: int, text: Any, ids: Any) -> dict[str, Any]:
        return {
            "id": f"goemotions-{self.lang}/{split}:{number}",
            "text": text,
            "lang": self.lang,
            "labels": {"emotion": ids},
        }

    def _read_tsv(self, split: str) -> list[Record]:
        root = require_dir(
            Path(self.root), "a GoEmotions folder with labels.txt, train.tsv, dev.tsv[, test.tsv]"
        )
        names_file = require_file(
            root / "labels.txt", "the 28 GoEmotions label names, one per line, in id order"
        )
        lines = names_file.read_text(encoding="utf-8").splitlines()
        while lines and not lines[-1].strip():
            lines.pop()  # a trailing newline is not a name; a blank line inside would be
        check_label_names([line.strip() for line in lines], str(names_file))

        def convert(row: Row) -> dict[str, Any]:
            return self._record(split, row.number, row.fields["text"], parse_ids(row))

        return read_delimited(
            root / f"{split}.tsv",
            convert,
            expects="GoEmotions rows 'text<TAB>comma-separated label ids[<TAB>comment id]'",
            columns=_COLUMNS,
            header=False,
            delimiter="\t",
            quoted=False,  # Reddit text is full of quote characters; they are not quoting
            optional=1,
        )

    def _read_hf(self, split: str) -> list[Record]:
        # Imported here: `datasets` takes seconds to import and the TSV path never needs it.
        import datasets

        hf_split = _HF_SPLITS[split]
        source = f"{self.root}[{hf_split}]"
        table = datasets.load_dataset(self.root, self.hf_config, split=hf_split)
        if not {"text", "labels"} <= set(table.column_names):
            raise DataError(
                f"{source}: needs columns 'text' and 'labels', has {table.column_names}"
            )
        names = getattr(getattr(table.features["labels"], "feature", None), "names", None)
        if names is None:
            raise DataError(
                f"{source}: column 'labels' carries no class names, so its ids cannot be "
                "checked against tasks.EMOTION_LABELS; expected a list of ClassLabel ids "
                "(as in google-research-datasets/go_emotions, config 'simplified')"
            )
        check_label_names(names, source)
        rows = (
            Row(f"{source}:{i}", i, {"text": text, "labels": ids})
            for i, (text, ids) in enumerate(zip(table["text"], table["labels"], strict=True))
        )

        def convert(row: Row) -> dict[str, Any]:
            return self._record(split, row.number, row.fields["text"], row.fields["labels"])

        return build_records(source, rows, convert, [])

    def __repr__(self) -> str:
        return f"GoEmotionsReader(root={self.root!r}, lang={self.lang!r}, source={self.source!r})"


def parse_ids(row: Row) -> list[int]:
    """``"3,15"`` -> ``[3, 15]``. Range and duplicates are checked by the schema."""
    value = row.fields["labels"]
    try:
        return [int(part) for part in value.split(",")]
    except ValueError:
        raise RowError(
            "labels.emotion", f"expected comma-separated integer ids, got {value!r}"
        ) from None


def check_label_names(names: Sequence[str], source: str) -> None:
    """Raise ``DataError`` unless ``names`` is ``tasks.EMOTION_LABELS``, in order."""
    if tuple(names) == EMOTION_LABELS:
        return
    expected = list(EMOTION_LABELS)
    diff = next(
        (i for i, (a, b) in enumerate(zip(names, expected, strict=False)) if a != b),
        min(len(names), len(expected)),
    )
    got = names[diff] if diff < len(names) else "(nothing)"
    want = expected[diff] if diff < len(expected) else "(nothing)"
    raise DataError(
        f"{source}: label names differ from tasks.EMOTION_LABELS (the model's id order): "
        f"id {diff} is {got!r}, expected {want!r}; {len(names)} names, expected {len(expected)}"
    )
