"""Asymmetric loss against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from redheart_lit.losses import AsymmetricLoss, BCELoss


def test_positive_term_by_hand() -> None:
    # gamma_pos 1: -(1 - p) log p at p = sigmoid(0) = 0.5 -> 0.5 log 2.
    loss = AsymmetricLoss(gamma_pos=1.0, gamma_neg=4.0, clip=0.05)
    assert loss(torch.zeros(1, 1), torch.ones(1, 1)).item() == pytest.approx(0.5 * math.log(2))


def test_negative_term_is_shifted_and_focused_by_hand() -> None:
    # p = 0.5, p_m = 0.45: -(0.45^4) log(0.55).
    loss = AsymmetricLoss(gamma_pos=0.0, gamma_neg=4.0, clip=0.05)
    expected = -(0.45**4) * math.log(0.55)
    assert loss(torch.zeros(1, 1), torch.zeros(1, 1)).item() == pytest.approx(expected, rel=1e-5)


def test_easy_negatives_below_the_clip_cost_nothing() -> None:
    # p = sigmoid(-4) = 0.018 < clip 0.05: p_m = 0, no loss at all.
    loss = AsymmetricLoss(clip=0.05)
    assert loss(torch.full((2, 3), -4.0), torch.zeros(2, 3)).item() == 0.0


def test_without_focusing_or_clip_it_is_bce() -> None:
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 28, generator=g)
    targets = torch.bernoulli(torch.full((4, 28), 0.2), generator=g)
    plain = AsymmetricLoss(gamma_pos=0.0, gamma_neg=0.0, clip=0.0)(logits, targets)
    assert plain.item() == pytest.approx(BCELoss()(logits, targets).item(), rel=1e-5)


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="gammas must be >= 0"):
        AsymmetricLoss(gamma_neg=-1.0)
    with pytest.raises(ValueError, match=r"clip must be in \[0, 1\)"):
        AsymmetricLoss(clip=1.0)
