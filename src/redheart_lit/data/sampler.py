"""A shuffling sampler whose order depends only on ``(seed, epoch)``.

PyTorch's RandomSampler draws from the global RNG, so a run resumed from a checkpoint
sees a different order than the run it continues. Lightning calls :meth:`set_epoch` at the
start of every epoch, which makes the order, and hence a resume, exactly reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler


class EpochSeededSampler(Sampler[int]):
    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed, self.epoch = size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        # Hash (seed, epoch) rather than add them: seed s at epoch e+1 must not replay
        # seed s+1 at epoch e.
        state = np.random.SeedSequence([self.seed, self.epoch]).generate_state(1)[0]
        generator = torch.Generator().manual_seed(int(state))
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size
