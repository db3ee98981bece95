"""LightningDataModule over JSONL splits in ``data.root``."""

from __future__ import annotations

from pathlib import Path

import lightning as L
from torch.utils.data import DataLoader

from redheart_lit.data.collate import Collator
from redheart_lit.data.sampler import EpochSeededSampler
from redheart_lit.data.schema import Record, load_jsonl
from redheart_lit.tokenizer import ByteTokenizer

STAGES = ("train", "val", "test")


class RecordDataModule(L.LightningDataModule):
    """Train/val/test splits of validated records.

    Args:
        root: folder that holds the split files.
        splits: split name (``train``, ``val``, ``test``) -> file name under ``root``.
        tokenizer: the model's tokenizer description (``model.config.tokenizer``).
    """

    def __init__(
        self,
        root: str,
        splits: dict[str, str],
        tokenizer: dict,
        batch_size: int = 16,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        unknown = sorted(set(splits) - set(STAGES))
        if unknown:
            raise ValueError(f"data.splits: unknown split(s) {unknown}; use {list(STAGES)}")
        if "train" not in splits:
            raise ValueError("data.splits needs a 'train' file")
        self.root = Path(root)
        self.splits = dict(splits)
        self.tokenizer = ByteTokenizer.from_dict(tokenizer)
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.seed = seed
        self.collate = Collator(self.tokenizer)
        self.records: dict[str, list[Record]] = {}

    def path(self, split: str) -> Path:
        return self.root / self.splits[split]

    def setup(self, stage: str | None = None) -> None:
        if not self.root.is_dir():
            raise FileNotFoundError(
                f"data.root={self.root} does not exist; expected a folder holding "
                f"{sorted(self.splits.values())}"
            )
        for split in self.splits:
            if split not in self.records:
                self.records[split] = load_jsonl(self.path(split))

    def _loader(self, split: str, train: bool) -> DataLoader:
        if split not in self.splits:
            raise ValueError(f"data.splits has no {split!r} file; add data.splits.{split}=<file>")
        records = self.records[split]
        return DataLoader(
            records,
            batch_size=self.batch_size if train else self.eval_batch_size,
            sampler=EpochSeededSampler(len(records), self.seed) if train else None,
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
