"""Records, their validation, collation and the DataModule.

The DataModule (``data.datamodule``, Lightning) is not imported here: inference and
serving read batches and records without Lightning. ``Batch`` and ``Collator`` (torch)
load on first use (PEP 562), so code that only reads and checks records, such as the LLM
labeller (``redheart_lit.label``), starts without importing torch.
"""

from typing import Any

from redheart_lit.data.schema import DataError, Record, load_jsonl

# name -> module, imported when the name is first read.
_TORCH = {"Batch": "redheart_lit.data.batch", "Collator": "redheart_lit.data.collate"}

__all__ = ["Batch", "Collator", "DataError", "Record", "load_jsonl"]


def __getattr__(name: str) -> Any:
    if name not in _TORCH:
        raise AttributeError(f"module 'redheart_lit.data' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_TORCH[name]), name)
