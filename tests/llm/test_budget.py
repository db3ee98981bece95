"""Budget: spend from reported usage, the caps, and a server that reports none."""

from __future__ import annotations

import pytest

from redheart_lit.llm.budget import Budget
from redheart_lit.llm.client import Usage


def test_spend_and_cost_from_reported_usage() -> None:
    budget = Budget(price_input_per_1m=2.0, price_output_per_1m=10.0)
    budget.add(Usage(prompt_tokens=1000, completion_tokens=200))
    budget.add(Usage(prompt_tokens=500, completion_tokens=100))
    assert (budget.requests, budget.tokens) == (2, 1800)
    # 1500 * 2 / 1e6 + 300 * 10 / 1e6 = 0.003 + 0.003
    assert budget.cost == pytest.approx(0.006)
    assert budget.summary().endswith("cost 0.0060")


def test_token_cap() -> None:
    budget = Budget(max_tokens=300)
    budget.add(Usage(100, 100))
    assert budget.exhausted() is None
    budget.add(Usage(100, 0))
    assert budget.exhausted() == "token cap reached: 300 >= llm.max_tokens_total=300"


def test_cost_cap() -> None:
    budget = Budget(max_cost=0.01, price_input_per_1m=10.0, price_output_per_1m=10.0)
    budget.add(Usage(999, 0))
    assert budget.exhausted() is None
    budget.add(Usage(1, 0))
    assert budget.exhausted() == "cost cap reached: 0.0100 >= llm.max_cost=0.01"


def test_no_prices_no_cost() -> None:
    budget = Budget()
    budget.add(Usage(1, 1))
    assert budget.cost is None
    assert "cost" not in budget.summary()


def test_unreported_usage_ends_a_capped_run_and_is_reported() -> None:
    capped = Budget(max_tokens=10**6)
    capped.add(None)
    assert "reported no token usage" in (capped.exhausted() or "")
    uncapped = Budget()
    uncapped.add(None)
    assert uncapped.exhausted() is None
    assert "1 answer(s) reported no usage" in uncapped.summary()
