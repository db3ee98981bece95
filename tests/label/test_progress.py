"""The progress bar's fields: rows, spend and the rejection rate."""

from __future__ import annotations

from redheart_lit.label.progress import RunProgress
from redheart_lit.llm.budget import Budget
from redheart_lit.llm.client import Usage


def test_fields_show_spend_and_rejection_rate() -> None:
    budget = Budget(price_input_per_1m=1.0, price_output_per_1m=3.0)
    with RunProgress(total=4, budget=budget) as bar:
        budget.add(Usage(1000, 500))
        bar.advance()
        bar.advance(rejected=True)
        assert bar._fields() == {"spend": "1500 tok, cost 0.0025", "rejected": "1 (50.0%)"}
    assert (bar.done, bar.rejected) == (2, 1)


def test_disabled_bar_only_counts() -> None:
    with RunProgress(total=1, budget=Budget(), enabled=False) as bar:
        bar.advance(rejected=True)
    assert (bar.done, bar.rejected) == (1, 1)
    assert bar._fields()["spend"] == "0 tok"
