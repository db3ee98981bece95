"""Several named readers as one dataset, with per-source sampling weights for training.

Each source contributes only the labels it has (GoEmotions: emotion; ETHICS
utilitarianism: utility_pref and regret; ...); the collate function masks the rest, so a
mixture needs no label bookkeeping of its own.

Sampling (training only; validation and test read every record once): an epoch is
``epoch_size`` draws with replacement, and source ``s`` with ``n_s`` records is drawn
with probability

    p_s ∝ n_s                 (sampling="proportional": every record equally likely)
    p_s ∝ n_s ** (1 / T)      (sampling="temperature", T = temperature)

``T = 1`` is proportional; a larger ``T`` moves towards equal shares, so a small source
is not drowned by a large one. Within a source every record is equally likely.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal

from redheart_lit.data.readers.base import Reader, WeightedRecords
from redheart_lit.data.schema import Record

log = logging.getLogger(__name__)

SAMPLINGS = ("proportional", "temperature")


def source_probabilities(
    sizes: Mapping[str, int], sampling: str, temperature: float
) -> dict[str, float]:
    """Probability of drawing from each source (see the module docstring)."""
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling={sampling!r}; use one of {list(SAMPLINGS)}")
    exponent = 1.0 if sampling == "proportional" else 1.0 / temperature
    mass = {name: float(n) ** exponent for name, n in sizes.items()}
    total = sum(mass.values())
    return {name: m / total for name, m in mass.items()}


class MixtureReader:
    """Reads a split of every source and concatenates them, sources in config order.

    Args:
        readers: source name -> reader.
        splits: mixture split -> {source name -> that source's split}. A source left out
            of a mixture split, or given as null there, contributes nothing to it (null
            lets a derived config take out a source its parent lists).
        sampling: ``proportional`` or ``temperature``.
        temperature: ``T`` of temperature sampling (> 0); unused by ``proportional``.
        epoch_size: training draws per epoch; ``None`` = the number of records.
    """

    def __init__(
        self,
        readers: Mapping[str, Reader],
        splits: Mapping[str, Mapping[str, str | None]],
        sampling: Literal["proportional", "temperature"] = "proportional",
        temperature: float = 1.0,
        epoch_size: int | None = None,
    ) -> None:
        if sampling not in SAMPLINGS:
            raise ValueError(f"MixtureReader: sampling={sampling!r}; use one of {list(SAMPLINGS)}")
        if not temperature > 0:
            raise ValueError(f"MixtureReader: temperature must be > 0, got {temperature}")
        if epoch_size is not None and epoch_size < 1:
            raise ValueError(f"MixtureReader: epoch_size must be >= 1 or null, got {epoch_size}")
        self.readers = {str(name): reader for name, reader in readers.items()}
        self.splits = {
            str(split): {str(name): str(part) for name, part in sources.items() if part is not None}
            for split, sources in splits.items()
        }
        for split, sources in self.splits.items():
            unknown = sorted(set(sources) - set(self.readers))
            if unknown:
                raise ValueError(
                    f"MixtureReader: splits.{split} names unknown source(s) {unknown}; "
                    f"sources are {sorted(self.readers)}"
                )
            if not sources:
                raise ValueError(f"MixtureReader: splits.{split} lists no source")
        self.sampling, self.temperature, self.epoch_size = sampling, temperature, epoch_size

    def read(self, split: str) -> list[Record]:
        return [record for part in self._read_sources(split).values() for record in part]

    def read_weighted(self, split: str) -> WeightedRecords:
        parts = self._read_sources(split)
        sizes = {name: len(records) for name, records in parts.items()}
        probs = source_probabilities(sizes, self.sampling, self.temperature)
        for name in parts:
            log.info("mixture %s: %s %d records, p=%.3f", split, name, sizes[name], probs[name])
        records = [record for part in parts.values() for record in part]
        # p_s spread evenly over the n_s records of source s.
        weights = [probs[name] / sizes[name] for name in parts for _ in range(sizes[name])]
        return WeightedRecords(records, weights, self.epoch_size or len(records))

    def _read_sources(self, split: str) -> dict[str, list[Record]]:
        if split not in self.splits:
            raise ValueError(f"MixtureReader has no split {split!r}; known: {sorted(self.splits)}")
        return {
            name: self.readers[name].read(source_split)
            for name, source_split in self.splits[split].items()
        }

    def __repr__(self) -> str:
        return f"MixtureReader(sources={sorted(self.readers)}, sampling={self.sampling!r})"
