"""Deterministic fractions of a split: ``"test[0:0.9]"`` and ``"test[0.9:1]"``.

Some datasets ship no validation split (ETHICS), or only a test split (ETHICS
commonsense here). :class:`PartReader` wraps any reader and understands split names of
the form ``<split>[<lo>:<hi>]``: the records of ``<split>`` whose hash falls in
``[lo, hi)``. A plain split name passes through unchanged.

The hash is of the record's text and counterfactual (not of its line or id), salted with
``seed``: a record lands in the same part on every run and machine, even if the file is
reordered, and identical texts always land together, so a duplicate cannot leak from the
training part into the validation part. Parts with disjoint ranges are disjoint, and
ranges that tile ``[0, 1]`` cover every record exactly once.
"""

from __future__ import annotations

import re

from redheart_lit.data.readers.base import Reader
from redheart_lit.data.readers.hashing import unit_hash
from redheart_lit.data.schema import DataError, Record

_PART = re.compile(r"(?P<split>[^\[\]]+)\[(?P<lo>[0-9.]+):(?P<hi>[0-9.]+)\]")


def parse_part(name: str) -> tuple[str, tuple[float, float] | None]:
    """``"test[0:0.9]"`` -> ``("test", (0.0, 0.9))``; ``"test"`` -> ``("test", None)``."""
    if "[" not in name and "]" not in name:
        return name, None
    match = _PART.fullmatch(name)
    if match is None:
        raise ValueError(
            f"split {name!r}: write a part as '<split>[<lo>:<hi>]', e.g. 'test[0:0.9]'"
        )
    lo, hi = float(match["lo"]), float(match["hi"])
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"split {name!r}: need 0 <= lo < hi <= 1, got lo={lo}, hi={hi}")
    return match["split"], (lo, hi)


def part_key(record: Record) -> str:
    """What decides a record's part: its text and counterfactual."""
    return f"{record.text}\x1f{record.counterfactual or ''}"


class PartReader:
    """Adds ``<split>[<lo>:<hi>]`` parts to ``reader``.

    Args:
        reader: the reader whose splits are divided.
        seed: salt of the hash; another seed gives another, equally fixed, division.
    """

    def __init__(self, reader: Reader, seed: int = 0) -> None:
        self.reader, self.seed = reader, seed
        # Whole splits already read: a train part and a val part of one split read it once.
        self._cache: dict[str, list[Record]] = {}

    def read(self, split: str) -> list[Record]:
        base, bounds = parse_part(split)
        if bounds is None:
            return self.reader.read(base)
        if base not in self._cache:
            self._cache[base] = self.reader.read(base)
        lo, hi = bounds
        salt = f"part-{self.seed}"
        records = [r for r in self._cache[base] if lo <= unit_hash(part_key(r), salt) < hi]
        if not records:
            raise DataError(f"{self.reader!r} split {split!r}: no record falls in this part")
        return records

    def __repr__(self) -> str:
        return f"PartReader({self.reader!r}, seed={self.seed})"
