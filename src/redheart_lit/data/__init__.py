"""Records, their validation, collation and the DataModule.

The DataModule (``data.datamodule``, Lightning) is not imported here: inference and
serving read batches and records without Lightning.
"""

from redheart_lit.data.batch import Batch
from redheart_lit.data.collate import Collator
from redheart_lit.data.schema import DataError, Record, load_jsonl

__all__ = ["Batch", "Collator", "DataError", "Record", "load_jsonl"]
