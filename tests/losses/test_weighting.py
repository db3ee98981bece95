"""Loss weighting: fixed, equal and uncertainty by hand, and config errors."""

from __future__ import annotations

import math

import pytest
import torch

from redheart_lit.losses import EqualWeighting, FixedWeighting, UncertaintyWeighting

TASKS = ("emotion", "bentham", "regret", "surd")
LOSSES = {"emotion": 0.7, "bentham": 1.3, "regret": 0.2, "surd": 0.05}


def _losses(**values: float) -> dict[str, torch.Tensor]:
    return {t: torch.tensor(v) for t, v in (values or LOSSES).items()}


def test_fixed_weighting_by_hand() -> None:
    weights = {"emotion": 2.0, "bentham": 0.5, "regret": 3.0, "surd": 0.25}
    total = FixedWeighting(TASKS, weights)(_losses())
    expected = 2.0 * 0.7 + 0.5 * 1.3 + 3.0 * 0.2 + 0.25 * 0.05
    assert total.item() == pytest.approx(expected)


def test_equal_weighting_divides_by_the_number_of_configured_tasks() -> None:
    # No SURD loss in this batch: the three present losses are still divided by 4.
    total = EqualWeighting(TASKS)(_losses(emotion=0.7, bentham=1.3, regret=0.2))
    assert total.item() == pytest.approx((0.7 + 1.3 + 0.2) / 4)


def test_uncertainty_weighting_by_hand() -> None:
    weighting = UncertaintyWeighting(TASKS)
    log_vars = {"emotion": 0.1, "bentham": -0.2, "regret": 0.3, "surd": 0.0}
    with torch.no_grad():
        for task, s in log_vars.items():
            weighting.log_vars[task].fill_(s)
    total = weighting(_losses())
    # total = sum_t exp(-s_t) L_t + s_t
    expected = sum(math.exp(-s) * LOSSES[t] + s for t, s in log_vars.items())
    assert total.item() == pytest.approx(expected, rel=1e-5)
    # The log-variances are learned: they receive gradients.
    total.backward()
    assert all(p.grad is not None for p in weighting.log_vars.values())


def test_only_uncertainty_weighting_has_parameters() -> None:
    assert not list(FixedWeighting(TASKS, dict.fromkeys(TASKS, 1.0)).parameters())
    assert not list(EqualWeighting(TASKS).parameters())
    assert len(list(UncertaintyWeighting(TASKS).parameters())) == 4


def test_no_losses_no_total() -> None:
    assert EqualWeighting(TASKS)({}) is None


def test_missing_task_weight_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"loss\.weighting\.weights.*\['surd'\]"):
        FixedWeighting(TASKS, dict.fromkeys(TASKS[:3], 1.0))


def test_a_loss_of_an_unconfigured_task_is_an_error() -> None:
    with pytest.raises(KeyError, match=r"task\(s\) \['valence'\] not configured"):
        EqualWeighting(TASKS)({"valence": torch.tensor(1.0)})


def test_no_tasks_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        EqualWeighting(())
