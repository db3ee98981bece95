"""LabelSettings / LLMSettings: bad values fail naming their key; the key's transport."""

from __future__ import annotations

import re
from typing import Any

import pytest

from redheart_lit.label.settings import LabelSettings
from redheart_lit.llm.settings import LLMSettings

URL = "http://127.0.0.1:8000/v1"


def llm(**changes: Any) -> LLMSettings:
    return LLMSettings(**{"base_url": URL, "model": "m", **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "127.0.0.1:8000"}, "llm.base_url='127.0.0.1:8000' must be an http"),
        ({"model": " "}, "llm.model must be a non-empty string"),
        ({"concurrency": 0}, "llm.concurrency=0 must be > 0"),
        ({"timeout_s": -1}, "llm.timeout_s=-1 must be > 0"),
        ({"max_retries": -1}, "llm.max_retries=-1 must be >= 0"),
        ({"max_tokens_total": 0}, "llm.max_tokens_total=0 must be > 0"),
        ({"price_input_per_1m": 1.0}, "set both llm.price_input_per_1m"),
        ({"max_cost": 5.0}, "llm.max_cost needs prices"),
    ],
)
def test_bad_values_name_their_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        llm(**changes)


def test_a_bool_is_not_a_count() -> None:
    with pytest.raises(TypeError, match=r"llm\.concurrency=True must be an integer"):
        llm(concurrency=True)


def test_prices_and_cost_cap_together_are_fine() -> None:
    settings = llm(price_input_per_1m=0.5, price_output_per_1m=1.5, max_cost=2.0)
    assert settings.priced


@pytest.mark.parametrize(
    ("url", "key", "allowed"),
    [
        ("http://127.0.0.1:8000/v1", "k", True),
        ("http://localhost:8000/v1", "k", True),
        ("http://[::1]:8000/v1", "k", True),
        ("https://api.example.com/v1", "k", True),
        ("http://10.0.0.5:8000/v1", None, True),  # no key, nothing to leak
        ("http://10.0.0.5:8000/v1", "k", False),
        ("http://llm.internal/v1", "k", False),
    ],
)
def test_a_key_never_goes_over_plain_http_to_another_host(
    url: str, key: str | None, allowed: bool
) -> None:
    settings = llm(base_url=url)
    if allowed:
        settings.check_key_transport(key)
    else:
        with pytest.raises(ValueError, match="unencrypted"):
            settings.check_key_transport(key)
        llm(base_url=url, allow_insecure_http=True).check_key_transport(key)


def test_label_settings_refuse_writing_over_the_input() -> None:
    with pytest.raises(ValueError, match="input and output are the same file"):
        LabelSettings(input="a.jsonl", output="a.jsonl", llm=llm(), cache_dir="c")
    settings = LabelSettings(input="a.jsonl", output="b.jsonl", llm=llm(), cache_dir="c")
    assert settings.rejects == "b.jsonl.rejects.jsonl"
