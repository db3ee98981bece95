"""The LLM server, request, retry and budget settings (``llm.*``; ``conf/llm/``).

Shared by the labeller (``python -m redheart_lit.label``) and the server's optional helper
(``serve.helping_ai``): both turn the ``llm`` config node into an :class:`LLMSettings`.
A bad value fails here, naming its config key, before a request is sent. The API key is
not a setting: it comes from ``$REDHEART_LLM_API_KEY`` only (:func:`api_key_from_env`),
so it never lands in the config that Hydra saves next to each run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from redheart_lit.netaddr import is_loopback

API_KEY_ENV = "REDHEART_LLM_API_KEY"


def api_key_from_env() -> str | None:
    """``$REDHEART_LLM_API_KEY`` without a trailing newline; None when unset or blank."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    return key or None


@dataclass(frozen=True)
class LLMSettings:
    """The server, the request, the retries and the budget (``llm.*``; see conf/llm/)."""

    base_url: str
    model: str
    # Seconds one request may take in all, connect to last byte.
    timeout_s: float = 60.0
    # Re-asks after an answer that does not validate (the error goes back to the model).
    max_retries: int = 2
    # Re-sends after 429, 5xx, a timeout or a dropped connection.
    transport_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    # Consecutive rows failing transport that stop the run (the server is down).
    stop_after_failed_rows: int = 10
    concurrency: int = 4
    temperature: float | None = 0.0
    seed: int | None = None
    # Sent as max_tokens: the longest answer one request may produce.
    max_answer_tokens: int | None = 1024
    # Budget caps; None = no cap. Tokens are prompt + completion, as the server reports them.
    max_tokens_total: int | None = 1_000_000
    max_cost: float | None = None
    # Price per million tokens (any currency); both or neither.
    price_input_per_1m: float | None = None
    price_output_per_1m: float | None = None
    # A key over plain http to another machine can be read on the way; refused unless set.
    allow_insecure_http: bool = False
    # Extra fields of the request body, for a server's own options.
    extra_body: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ("base_url", "model"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"llm.{key} must be a non-empty string, got {value!r}")
        url = urlsplit(self.base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(
                f"llm.base_url={self.base_url!r} must be an http(s) URL such as "
                "http://127.0.0.1:8000/v1"
            )
        check_positive("llm.timeout_s", self.timeout_s)
        check_positive("llm.concurrency", self.concurrency, integer=True)
        check_positive("llm.stop_after_failed_rows", self.stop_after_failed_rows, integer=True)
        for key in ("max_retries", "transport_retries"):
            check_non_negative(f"llm.{key}", getattr(self, key), integer=True)
        for key in ("backoff_base_s", "backoff_max_s"):
            check_non_negative(f"llm.{key}", getattr(self, key))
        for key in ("max_answer_tokens", "max_tokens_total"):
            if getattr(self, key) is not None:
                check_positive(f"llm.{key}", getattr(self, key), integer=True)
        if self.temperature is not None:
            check_non_negative("llm.temperature", self.temperature)
        if self.seed is not None:
            check_non_negative("llm.seed", self.seed, integer=True)
        prices = (self.price_input_per_1m, self.price_output_per_1m)
        if (prices[0] is None) != (prices[1] is None):
            raise ValueError(
                "set both llm.price_input_per_1m and llm.price_output_per_1m, or neither"
            )
        for key, value in zip(("price_input_per_1m", "price_output_per_1m"), prices, strict=True):
            if value is not None:
                check_non_negative(f"llm.{key}", value)
        if self.max_cost is not None:
            check_positive("llm.max_cost", self.max_cost)
            if prices[0] is None:
                raise ValueError(
                    "llm.max_cost needs prices: set llm.price_input_per_1m and "
                    "llm.price_output_per_1m (per million tokens)"
                )
        if not isinstance(self.extra_body, dict):
            raise TypeError(f"llm.extra_body must be a mapping, got {self.extra_body!r}")

    @property
    def priced(self) -> bool:
        return self.price_input_per_1m is not None

    def check_key_transport(self, api_key: str | None) -> None:
        """Refuse to send a key over plain http to a host that is not this machine."""
        url = urlsplit(self.base_url)
        plain = url.scheme == "http" and not is_loopback(url.hostname or "")
        if api_key and plain and not self.allow_insecure_http:
            raise ValueError(
                f"${API_KEY_ENV} is set and llm.base_url uses plain http to "
                f"{url.hostname}: the key would cross the network unencrypted. Use "
                "https, or set llm.allow_insecure_http=true if the network is yours."
            )


def _number(key: str, value: Any, integer: bool) -> None:
    kinds = (int,) if integer else (int, float)
    # bool is an int subclass: `llm.concurrency=true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{key}={value!r} must be {kind}")


def check_positive(key: str, value: Any, integer: bool = False) -> None:
    _number(key, value, integer)
    if value <= 0:
        raise ValueError(f"{key}={value} must be > 0")


def check_non_negative(key: str, value: Any, integer: bool = False) -> None:
    _number(key, value, integer)
    if value < 0:
        raise ValueError(f"{key}={value} must be >= 0")
