"""EpochSeededSampler: a permutation fixed by (seed, epoch) and nothing else."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.data.sampler import EpochSeededSampler


def _order(size: int, seed: int, epoch: int) -> list[int]:
    sampler = EpochSeededSampler(size, seed)
    sampler.set_epoch(epoch)
    return list(sampler)


@pytest.mark.parametrize("size", [0, 1, 7, 50])
def test_is_a_permutation(size: int) -> None:
    sampler = EpochSeededSampler(size, seed=3)
    assert len(sampler) == size
    assert sorted(sampler) == list(range(size))


def test_same_seed_and_epoch_give_the_same_order() -> None:
    first = _order(50, seed=7, epoch=2)
    # The global RNG must not matter (a resumed run has a different one).
    torch.manual_seed(123)
    torch.rand(10)
    assert _order(50, seed=7, epoch=2) == first


def test_iterating_twice_in_one_epoch_repeats_the_order() -> None:
    sampler = EpochSeededSampler(50, seed=1)
    sampler.set_epoch(4)
    assert list(sampler) == list(sampler)


def test_order_changes_across_epochs() -> None:
    orders = {tuple(_order(50, seed=7, epoch=e)) for e in range(5)}
    assert len(orders) == 5


def test_order_changes_across_seeds() -> None:
    assert _order(50, seed=1, epoch=0) != _order(50, seed=2, epoch=0)


def test_neighbouring_seeds_do_not_share_orders() -> None:
    assert _order(50, seed=0, epoch=1) != _order(50, seed=1, epoch=0)
