"""Turn records into a :class:`~redheart_lit.data.batch.Batch`, reading the task table."""

from __future__ import annotations

from collections.abc import Callable

import torch

from redheart_lit.data.batch import Batch
from redheart_lit.data.schema import Record
from redheart_lit.tasks.spec import labels as label_specs
from redheart_lit.tokenizer import Encoding


class Collator:
    """Records -> :class:`Batch`.

    Args:
        encode: texts -> :class:`~redheart_lit.tokenizer.Encoding`: the byte tokenizer, an
            external encoder's tokenizer, or its cached features (``data/inputs.py``).
    """

    def __init__(self, encode: Callable[[list[str]], Encoding]) -> None:
        self.encode = encode

    def __call__(self, records: list[Record]) -> Batch:
        enc = self.encode([r.text for r in records])
        cf_rows = [i for i, r in enumerate(records) if r.counterfactual is not None]
        if cf_rows:
            cf = self.encode([records[i].counterfactual for i in cf_rows])
            cf_ids, cf_mask, cf_sids = cf.input_ids, cf.attention_mask, cf.sentence_ids
        else:
            cf_ids = torch.zeros((0, 1), dtype=torch.long)
            cf_mask, cf_sids = cf_ids.bool(), cf_ids
        labels, label_mask = {}, {}
        for key, spec in label_specs().items():
            shape = (len(records), spec.dim) if spec.dim else (len(records),)
            # NaN, not a fake value: any use of an unlabelled row poisons the loss visibly.
            values = torch.full(shape, float("nan"))
            present = torch.zeros(len(records), dtype=torch.bool)
            for i, record in enumerate(records):
                if key in record.labels:
                    values[i] = torch.tensor(record.labels[key])
                    present[i] = True
            labels[key], label_mask[key] = values, present
        return Batch(
            input_ids=enc.input_ids,
            attention_mask=enc.attention_mask,
            sentence_ids=enc.sentence_ids,
            cf_index=torch.tensor(cf_rows, dtype=torch.long),
            cf_input_ids=cf_ids,
            cf_attention_mask=cf_mask,
            cf_sentence_ids=cf_sids,
            labels=labels,
            label_mask=label_mask,
            ids=[r.id for r in records],
        )
