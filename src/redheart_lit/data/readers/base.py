"""What the DataModule asks of a reader: records for a split name, optionally weighted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from redheart_lit.data.schema import Record


@runtime_checkable
class Reader(Protocol):
    """Reads one split of one dataset.

    ``read`` checks every row and raises :class:`~redheart_lit.data.schema.DataError`
    (``file:line: field: what is wrong``) for bad rows, ``FileNotFoundError`` (naming the
    path and what belongs there) for missing files, and ``ValueError`` for a split name
    the reader does not know. Constructing a reader must not touch the disk: Hydra builds
    readers for every config, and only ``setup`` reads.
    """

    def read(self, split: str) -> list[Record]: ...


@dataclass(frozen=True)
class WeightedRecords:
    """Records with a per-record sampling weight, for training on a mixture.

    Attributes:
        records: ``N`` records.
        weights: ``[N]`` probability of drawing each record (sums to 1).
        epoch_size: draws per training epoch.
    """

    records: list[Record]
    weights: list[float]
    epoch_size: int


@runtime_checkable
class WeightedReader(Reader, Protocol):
    """A reader that also says how often to draw each record when training."""

    def read_weighted(self, split: str) -> WeightedRecords: ...
