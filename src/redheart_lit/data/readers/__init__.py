"""Readers: one dataset format each, all returning validated records for a split name.

The DataModule asks ``reader.read(split)``; Hydra builds the reader from ``data.reader``.
"""

from redheart_lit.data.readers.base import Reader, WeightedReader, WeightedRecords
from redheart_lit.data.readers.ethics import EthicsReader
from redheart_lit.data.readers.goemotions import GoEmotionsReader
from redheart_lit.data.readers.jsonl import JsonlReader
from redheart_lit.data.readers.mixture import MixtureReader
from redheart_lit.data.readers.parts import PartReader

__all__ = [
    "EthicsReader",
    "GoEmotionsReader",
    "JsonlReader",
    "MixtureReader",
    "PartReader",
    "Reader",
    "WeightedReader",
    "WeightedRecords",
]
