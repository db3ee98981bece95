"""What a run has spent, counted from the usage the server reports, and its caps.

The caps are checked before each request is sent. Requests already in flight when a cap is
reached still finish and are counted (their rows are written), so a run can end above
its cap by at most ``llm.concurrency`` requests' worth of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from redheart_lit.llm.client import Usage
from redheart_lit.llm.settings import LLMSettings


@dataclass
class Budget:
    """Spend so far and the caps (``llm.max_tokens_total``, ``llm.max_cost``)."""

    max_tokens: int | None = None
    max_cost: float | None = None
    price_input_per_1m: float | None = None
    price_output_per_1m: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    # Answers that reported no usage (counted as zero tokens, and reported).
    unmetered: int = 0

    @classmethod
    def from_settings(cls, llm: LLMSettings) -> Budget:
        return cls(
            max_tokens=llm.max_tokens_total,
            max_cost=llm.max_cost,
            price_input_per_1m=llm.price_input_per_1m,
            price_output_per_1m=llm.price_output_per_1m,
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """What these tokens cost, or None when no prices are configured."""
        if self.price_input_per_1m is None or self.price_output_per_1m is None:
            return None
        return (
            prompt_tokens * self.price_input_per_1m + completion_tokens * self.price_output_per_1m
        ) / 1e6

    @property
    def cost(self) -> float | None:
        """Money spent, or None when no prices are configured."""
        return self.price(self.prompt_tokens, self.completion_tokens)

    def add(self, usage: Usage | None) -> None:
        self.requests += 1
        if usage is None:
            self.unmetered += 1
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def exhausted(self) -> str | None:
        """Which cap is reached, as a sentence; None while both have room.

        A server that reports no usage makes a cap unenforceable, so with a cap set the
        first such answer ends the run too.
        """
        if self.unmetered and (self.max_tokens is not None or self.max_cost is not None):
            return (
                "the server reported no token usage, so the budget cap cannot be enforced; "
                "run with llm.max_tokens_total=null and no llm.max_cost to go without a cap"
            )
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"token cap reached: {self.tokens} >= llm.max_tokens_total={self.max_tokens}"
        cost = self.cost
        if self.max_cost is not None and cost is not None and cost >= self.max_cost:
            return f"cost cap reached: {cost:.4f} >= llm.max_cost={self.max_cost}"
        return None

    def summary(self) -> str:
        """The spend in one line: requests, tokens (in/out) and cost when priced."""
        text = (
            f"{self.requests} answered request(s), {self.tokens} tokens "
            f"({self.prompt_tokens} prompt + {self.completion_tokens} completion)"
        )
        if self.cost is not None:
            text += f", cost {self.cost:.4f}"
        if self.unmetered:
            text += f"; {self.unmetered} answer(s) reported no usage and are not counted"
        return text
