"""EpochSeededSampler and WeightedEpochSampler: draws fixed by (seed, epoch) and nothing else."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.data.sampler import EpochSeededSampler, LengthGroupedSampler, WeightedEpochSampler


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


def _draws(weights: list[float], seed: int, epoch: int, n: int = 200) -> list[int]:
    sampler = WeightedEpochSampler(weights, n, seed)
    sampler.set_epoch(epoch)
    return list(sampler)


def test_weighted_draws_are_fixed_by_seed_and_epoch() -> None:
    weights = [0.1, 0.2, 0.3, 0.4]
    first = _draws(weights, seed=3, epoch=1)
    torch.manual_seed(99)  # the global RNG must not matter
    assert _draws(weights, seed=3, epoch=1) == first
    assert _draws(weights, seed=3, epoch=2) != first
    assert _draws(weights, seed=4, epoch=1) != first


def test_weighted_length_range_and_zero_weights() -> None:
    sampler = WeightedEpochSampler([0.0, 1.0, 0.0, 3.0], 500, seed=0)
    draws = list(sampler)
    assert len(sampler) == len(draws) == 500
    assert set(draws) == {1, 3}  # weight 0 is never drawn
    assert 0.2 <= draws.count(1) / 500 <= 0.3  # 1 / (1 + 3)


@pytest.mark.parametrize(
    ("weights", "n", "message"),
    [([], 5, "non-empty"), ([1.0, -1.0], 5, "non-negative"), ([0.0, 0.0], 5, "all be zero"),
     ([1.0], 0, "num_samples")],
)  # fmt: skip
def test_weighted_rejects_bad_arguments(weights: list[float], n: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WeightedEpochSampler(weights, n, seed=0)


def _grouped(lengths: list[int], batch_size: int, seed: int, epoch: int) -> list[int]:
    sampler = LengthGroupedSampler(
        EpochSeededSampler(len(lengths), seed), lengths, batch_size, seed, group_batches=4
    )
    sampler.set_epoch(epoch)
    return list(sampler)


def _padding(order: list[int], lengths: list[int], batch_size: int) -> int:
    """Padded positions when ``order`` is cut into batches padded to their longest."""
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return sum(max(lengths[j] for j in b) * len(b) - sum(lengths[j] for j in b) for b in batches)


def test_length_grouping_reorders_the_same_draws_and_cuts_padding() -> None:
    lengths = [
        int(x) for x in torch.randint(1, 200, (203,), generator=torch.Generator().manual_seed(0))
    ]
    base = _order(203, seed=5, epoch=3)
    grouped = _grouped(lengths, batch_size=8, seed=5, epoch=3)
    assert sorted(grouped) == sorted(base)  # the draws of the epoch, only reordered
    # Every batch lies inside one group of 4 batches of the base order.
    for start in range(0, 203, 8):
        group = start // 32
        assert set(grouped[start : start + 8]) <= set(base[group * 32 : (group + 1) * 32])
    assert _padding(grouped, lengths, 8) < 0.5 * _padding(base, lengths, 8)


def test_length_grouping_is_fixed_by_seed_and_epoch() -> None:
    lengths = list(range(100))
    first = _grouped(lengths, 4, seed=1, epoch=0)
    torch.manual_seed(42)  # the global RNG must not matter
    assert _grouped(lengths, 4, seed=1, epoch=0) == first
    assert _grouped(lengths, 4, seed=1, epoch=1) != first
    assert _grouped(lengths, 4, seed=2, epoch=0) != first


def test_length_grouping_wraps_weighted_draws() -> None:
    weights = [1.0] * 10 + [0.0] * 10
    sampler = LengthGroupedSampler(WeightedEpochSampler(weights, 64, seed=0), list(range(20)), 8, 0)
    sampler.set_epoch(2)
    base = WeightedEpochSampler(weights, 64, seed=0)
    base.set_epoch(2)
    assert len(sampler) == 64
    assert sorted(sampler) == sorted(base)  # set_epoch reached the weighted draws


@pytest.mark.parametrize(("batch_size", "groups"), [(0, 50), (8, 0)])
def test_length_grouping_rejects_bad_sizes(batch_size: int, groups: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LengthGroupedSampler(EpochSeededSampler(4, 0), [1, 2, 3, 4], batch_size, 0, groups)
