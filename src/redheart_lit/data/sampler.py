"""Training samplers whose order depends only on ``(seed, epoch)``.

PyTorch's RandomSampler draws from the global RNG, so a run resumed from a checkpoint
sees a different order than the run it continues. Lightning calls ``set_epoch`` at the
start of every epoch, which makes the order, and hence a resume, exactly reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Sampler


def epoch_generator(seed: int, epoch: int, stream: int = 0) -> torch.Generator:
    """A torch generator fixed by ``(seed, epoch)`` alone; another ``stream`` gives an
    independent generator for a second use in the same epoch."""
    # Hash (seed, epoch) rather than add them: seed s at epoch e+1 must not replay
    # seed s+1 at epoch e.
    entropy = [seed, epoch] if stream == 0 else [seed, epoch, stream]
    state = np.random.SeedSequence(entropy).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


class EpochSeededSampler(Sampler[int]):
    """A fresh permutation of ``range(size)`` every epoch."""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed, self.epoch = size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = epoch_generator(self.seed, self.epoch)
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size


class WeightedEpochSampler(Sampler[int]):
    """``num_samples`` indices drawn with replacement, ``P(i) = weights[i] / sum(weights)``.

    Used for mixtures of datasets: the weights set how often each source is seen, and an
    epoch is ``num_samples`` draws rather than one pass over every record.

    Args:
        weights: ``[N]`` non-negative sampling weight of every record (need not sum to 1).
        num_samples: draws per epoch.
        seed: with the epoch, fixes the draws.
    """

    def __init__(self, weights: Sequence[float], num_samples: int, seed: int) -> None:
        self.weights = torch.as_tensor(weights, dtype=torch.double)
        if self.weights.ndim != 1 or not len(self.weights):
            raise ValueError("weights must be a non-empty 1-d sequence")
        if not torch.isfinite(self.weights).all() or (self.weights < 0).any():
            raise ValueError("weights must be finite and non-negative")
        if self.weights.sum() <= 0:
            raise ValueError("weights must not all be zero")
        if num_samples < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}")
        self.num_samples, self.seed, self.epoch = num_samples, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = epoch_generator(self.seed, self.epoch)
        draws = torch.multinomial(self.weights, self.num_samples, True, generator=generator)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class LengthGroupedSampler(Sampler[int]):
    """``base``'s indices, regrouped so that each batch holds texts of similar length.

    A batch is padded to its longest text, and on CPU a frozen-feature model's cost is in
    proportion to the padded tokens. In a mixture, one long ETHICS commonsense text in a
    batch of short GoEmotions comments pads all of them to 128 tokens. The epoch's indices
    (which ``base`` draws; they are not changed, only reordered) are cut into groups of
    ``group_batches`` batches; each group is sorted by length and cut into batches, and
    the batches of a group are shuffled. So what an epoch sees is the same, batches mix
    lengths far less, and the order is still fixed by ``(seed, epoch)``. The idea is the
    Hugging Face Trainer's ``group_by_length`` (mega-batches of 50 batches); it is written
    here because that sampler neither wraps a weighted sampler nor takes an epoch seed.

    Args:
        base: the epoch's indices (:class:`EpochSeededSampler`, :class:`WeightedEpochSampler`).
        lengths: a length per record (e.g. UTF-8 bytes), indexed as ``base``'s indices.
        batch_size: the DataLoader's batch size (batches must start where groups do).
        seed: with the epoch, fixes the shuffle of the batches.
        group_batches: batches per group: more groups padding better, fewer keeps
            batches closer to the order ``base`` drew.
    """

    def __init__(
        self,
        base: EpochSeededSampler | WeightedEpochSampler,
        lengths: Sequence[int],
        batch_size: int,
        seed: int,
        group_batches: int = 50,
    ) -> None:
        if batch_size < 1 or group_batches < 1:
            raise ValueError(
                f"batch_size and group_batches must be at least 1, got {batch_size}, "
                f"{group_batches}"
            )
        self.base, self.lengths = base, list(lengths)
        self.batch_size, self.group_batches = batch_size, group_batches
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.base.set_epoch(epoch)

    def __iter__(self) -> Iterator[int]:
        indices = list(self.base)
        generator = epoch_generator(self.seed, self.epoch, stream=1)
        size = self.batch_size * self.group_batches
        out: list[int] = []
        for start in range(0, len(indices), size):
            group = sorted(indices[start : start + size], key=self.lengths.__getitem__)
            batches = [
                group[i : i + self.batch_size] for i in range(0, len(group), self.batch_size)
            ]
            for b in torch.randperm(len(batches), generator=generator).tolist():
                out.extend(batches[b])
        return iter(out)

    def __len__(self) -> int:
        return len(self.base)
