"""Input validation and the normal form shared by the model input and the cache key."""

from __future__ import annotations

import pytest

from redheart_lit.inference import InputError, normalise, validate


def test_normalise_collapses_spaces_keeps_newlines_and_composes_hangul() -> None:
    decomposed = "\u1100\u1161"  # ᄀ + ᅡ, which NFC composes to 가
    assert normalise(f"  a \t b\n\nc {decomposed}  ") == "a b\n\nc 가"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), (" \n\t ", "empty"), ("x" * 11, "11 characters; the limit is 10"),
     (3, "must be a string, got int"), ("a\x00b", "NUL")],
)  # fmt: skip
def test_refused_texts_say_why(text: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate(text, max_chars=10)


def test_the_limit_counts_the_normal_form() -> None:
    assert validate("  " + "x" * 10 + "  ", max_chars=10) == "x" * 10
