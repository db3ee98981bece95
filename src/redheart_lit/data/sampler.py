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


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A torch generator fixed by ``(seed, epoch)`` alone."""
    # Hash (seed, epoch) rather than add them: seed s at epoch e+1 must not replay
    # seed s+1 at epoch e.
    state = np.random.SeedSequence([seed, epoch]).generate_state(1)[0]
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
