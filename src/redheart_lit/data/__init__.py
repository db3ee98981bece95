"""Records, their validation, collation and the DataModule."""

from redheart_lit.data.batch import Batch
from redheart_lit.data.collate import Collator
from redheart_lit.data.datamodule import RecordDataModule
from redheart_lit.data.schema import DataError, Record, load_jsonl

__all__ = ["Batch", "Collator", "DataError", "Record", "RecordDataModule", "load_jsonl"]
