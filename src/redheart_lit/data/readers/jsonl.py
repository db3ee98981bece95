"""JSONL files of records in one folder (the project's own format, ``docs/data.md``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from redheart_lit.data.readers.rows import require_dir
from redheart_lit.data.schema import Record, load_jsonl


class JsonlReader:
    """Reads ``root/<file>`` with :func:`~redheart_lit.data.schema.load_jsonl`.

    Args:
        root: folder that holds the split files.
        files: split name -> file name under ``root``. Without it a split name *is* the
            file name (``read("train.jsonl")``), which is how ``conf/data/sample.yaml``
            names its splits.
    """

    def __init__(self, root: str | Path, files: Mapping[str, str] | None = None) -> None:
        self.root = Path(root)
        self.files = dict(files) if files is not None else None

    def read(self, split: str) -> list[Record]:
        if self.files is None:
            name = split
        elif split in self.files:
            name = self.files[split]
        else:
            raise ValueError(f"JsonlReader has no split {split!r}; known: {sorted(self.files)}")
        wanted = sorted(self.files.values()) if self.files is not None else [name]
        require_dir(self.root, f"a folder holding the JSONL split files {wanted}")
        return load_jsonl(self.root / name)

    def __repr__(self) -> str:
        return f"JsonlReader(root={str(self.root)!r}, files={self.files!r})"
