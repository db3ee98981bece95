"""Bradley-Terry pairwise loss: -log sigmoid(u_a - u_b) for a preferred A."""

from __future__ import annotations

import math

import pytest
import torch

from redheart_lit.losses import bradley_terry_loss


def test_preferred_a() -> None:
    # log(1 + exp(-(ua - ub))) with ua - ub = 1.5.
    loss = bradley_terry_loss(torch.tensor([2.0]), torch.tensor([0.5]), torch.tensor([1.0]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1.5)))


def test_preferred_b_and_mean_over_pairs() -> None:
    ua, ub = torch.tensor([2.0, 0.0]), torch.tensor([0.5, 1.0])
    loss = bradley_terry_loss(ua, ub, torch.tensor([0.0, 1.0]))
    # B preferred in pair 0: log(1 + exp(ua - ub)); A preferred in pair 1: log(1 + exp(-(ua - ub))).
    expected = (math.log(1 + math.exp(1.5)) + math.log(1 + math.exp(1.0))) / 2
    assert loss.item() == pytest.approx(expected)


def test_equal_utilities_cost_log_two() -> None:
    loss = bradley_terry_loss(torch.tensor([0.3]), torch.tensor([0.3]), torch.tensor([1.0]))
    assert loss.item() == pytest.approx(math.log(2))


def test_swapping_the_sides_and_the_label_changes_nothing() -> None:
    ua, ub = torch.tensor([0.7, -1.2]), torch.tensor([0.1, 0.4])
    pref = torch.tensor([1.0, 0.0])
    assert bradley_terry_loss(ua, ub, pref).item() == pytest.approx(
        bradley_terry_loss(ub, ua, 1 - pref).item()
    )
