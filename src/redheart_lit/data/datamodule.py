"""LightningDataModule: each stage's records come from a reader (``data/readers/``)."""

from __future__ import annotations

import logging

import lightning as L
from torch.utils.data import DataLoader, Sampler

from redheart_lit.data.collate import Collator
from redheart_lit.data.inputs import text_encoder
from redheart_lit.data.readers.base import Reader, WeightedReader, WeightedRecords
from redheart_lit.data.sampler import (
    EpochSeededSampler,
    LengthGroupedSampler,
    WeightedEpochSampler,
)
from redheart_lit.data.schema import Record
from redheart_lit.tokenizer import ByteTokenizer

log = logging.getLogger(__name__)

STAGES = ("train", "val", "test")
# The splits each Lightning stage reads. Reading per stage, not all at once, lets a run
# train and validate where the test split is withheld (it fails, naming the missing
# file, only when a test is asked for).
_STAGE_SPLITS = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",), "predict": ()}


class RecordDataModule(L.LightningDataModule):
    """Train/val/test records read through ``reader``.

    Args:
        reader: reads a split name into validated records (``data/readers/``). If it is a
            :class:`WeightedReader` (a mixture), training draws ``epoch_size`` records
            per epoch by its weights; otherwise every training record once, shuffled.
        splits: stage (``train``, ``val``, ``test``) -> the reader's split name, e.g.
            ``{train: train, val: dev}`` for GoEmotions or ``train.jsonl`` for JSONL.
        tokenizer: the model's tokenizer description (``model.config.tokenizer``).
        encoder: ``model.config.encoder``; with an external encoder the texts go through
            its tokenizer, or (frozen) through its cached features. See ``data/inputs.py``.
        cache_dir: where a frozen encoder's features are cached (``paths.cache_dir``).
        root: where the data lives. Reader configs take it by interpolation
            (``reader.root: ${..root}``) so that ``data.root=...`` moves every file; the
            DataModule only keeps it for reference.
        seed: fixes the training order per epoch (with the epoch number).
        group_by_length: training batches of texts of similar UTF-8 length
            (:class:`~redheart_lit.data.sampler.LengthGroupedSampler`): the same draws, far
            less padding. Off by default: it changes the batches a recipe was tuned with.
    """

    def __init__(
        self,
        reader: Reader,
        splits: dict[str, str],
        tokenizer: dict,
        encoder: dict | None = None,
        cache_dir: str | None = None,
        root: str | None = None,
        batch_size: int = 16,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
        group_by_length: bool = False,
    ) -> None:
        super().__init__()
        unknown = sorted(set(splits) - set(STAGES))
        if unknown:
            raise ValueError(f"data.splits: unknown split(s) {unknown}; use {list(STAGES)}")
        if "train" not in splits:
            raise ValueError("data.splits needs a 'train' split")
        if not isinstance(reader, Reader):
            raise ValueError(f"data.reader must have a read(split) method, got {reader!r}")
        self.reader = reader
        self.root = root
        self.splits = {stage: str(name) for stage, name in splits.items()}
        self.tokenizer = ByteTokenizer.from_dict(tokenizer)
        self.encoder, self.cache_dir = encoder, cache_dir
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.seed = seed
        self.group_by_length = group_by_length
        # Built in setup: an external encoder is loaded only when data is really needed.
        self.collate: Collator | None = None
        self.records: dict[str, list[Record]] = {}
        self.train_weights: WeightedRecords | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.collate is None:
            self.collate = Collator(
                text_encoder(self.tokenizer.to_dict(), self.encoder, self.cache_dir)
            )
        for split in STAGES if stage is None else _STAGE_SPLITS[stage]:
            if split in self.splits:
                self.records_for(split)

    def records_for(self, split: str) -> list[Record]:
        """The records of stage ``split`` (``train``/``val``/``test``), read on first use."""
        if split not in self.splits:
            raise ValueError(f"data.splits has no {split!r} split; add data.splits.{split}=<name>")
        if split not in self.records:
            name = self.splits[split]
            if split == "train" and isinstance(self.reader, WeightedReader):
                self.train_weights = self.reader.read_weighted(name)
                self.records[split] = self.train_weights.records
            else:
                self.records[split] = self.reader.read(name)
            warm = getattr(self.collate.encode if self.collate else None, "warm", None)
            if warm is not None:
                # Frozen encoder: encode every text once, shortest first, into the cache.
                records = self.records[split]
                texts = [r.text for r in records] + [
                    r.counterfactual for r in records if r.counterfactual
                ]
                log.info("data %s: %d texts newly encoded", split, warm(texts))
            log.info(
                "data %s: %d records, split %r of %r",
                split,
                len(self.records[split]),
                name,
                self.reader,
            )
        return self.records[split]

    def _loader(self, split: str, train: bool) -> DataLoader:
        records = self.records_for(split)
        sampler: Sampler[int] | None = None
        if train:
            base: EpochSeededSampler | WeightedEpochSampler
            if self.train_weights is not None:
                weighted = self.train_weights
                base = WeightedEpochSampler(weighted.weights, weighted.epoch_size, self.seed)
            else:
                base = EpochSeededSampler(len(records), self.seed)
            sampler = base
            if self.group_by_length:
                lengths = [_utf8_length(r) for r in records]
                sampler = LengthGroupedSampler(base, lengths, self.batch_size, self.seed)
        return DataLoader(
            records,
            batch_size=self.batch_size if train else self.eval_batch_size,
            sampler=sampler,
            collate_fn=self.collate,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", train=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", train=False)


def _utf8_length(record: Record) -> int:
    """The longer of a record's text and counterfactual in UTF-8 bytes: each is padded to
    its batch's longest. Bytes, not characters: a Hangul syllable is one character but
    about as many tokens as three English letters."""
    return max(len(record.text.encode("utf-8")), len((record.counterfactual or "").encode("utf-8")))
