"""The analyze-body decoder: each malformed input maps to one typed error; valid ones round-trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.serving.fakes import FakeOrchestrator

from redheart_lit.serving.errors import (
    InvalidEncodingError,
    InvalidJsonError,
    InvalidRequestError,
    InvalidTextError,
    ServeError,
)
from redheart_lit.serving.request import AnalyzeRequest, check_texts, decode_analyze_request

MAX_TEXTS = 64


def decode(body: bytes) -> AnalyzeRequest:
    return decode_analyze_request(body, max_texts=MAX_TEXTS)


def decode_or_error(body: bytes) -> AnalyzeRequest | ServeError:
    """The request, or the typed error; anything else propagates and fails the test."""
    try:
        return decode(body)
    except ServeError as err:
        return err


def test_single_text() -> None:
    assert decode(b'{"text": "hello"}') == AnalyzeRequest(texts=("hello",), field="text")


def test_list_of_texts_keeps_order_and_korean() -> None:
    body = json.dumps({"texts": ["b", "오늘 기분이 좋아요", "a"]}, ensure_ascii=False).encode()
    assert decode(body).texts == ("b", "오늘 기분이 좋아요", "a")


@pytest.mark.parametrize(
    ("body", "error", "status"),
    [
        (b"\xff\xfe{}", InvalidEncodingError, 400),
        (b'{"text": "caf\xe9"}', InvalidEncodingError, 400),  # Latin-1, not UTF-8
        (b'{"text": ', InvalidJsonError, 400),
        (b"", InvalidJsonError, 400),
        (b'{"text": "a"} trailing', InvalidJsonError, 400),
        (b'{"texts": [NaN]}', InvalidJsonError, 400),
        (b"[" * 100_000 + b"]" * 100_000, InvalidJsonError, 400),
        (b'["a"]', InvalidRequestError, 422),
        (b"{}", InvalidRequestError, 422),
        (b'{"text": "a", "texts": ["b"]}', InvalidRequestError, 422),
        (b'{"text": "a", "extra": 1}', InvalidRequestError, 422),
        (b'{"text": "a", "text": "b"}', InvalidRequestError, 422),
        (b'{"text": 3}', InvalidRequestError, 422),
        (b'{"texts": "abc"}', InvalidRequestError, 422),
        (b'{"texts": []}', InvalidRequestError, 422),
        (b'{"text": "\\ud800"}', InvalidTextError, 422),
    ],
)
def test_malformed_bodies_map_to_one_status(
    body: bytes, error: type[ServeError], status: int
) -> None:
    with pytest.raises(error) as caught:
        decode(body)
    assert caught.value.status == status


def test_wrong_item_type_names_the_index() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        decode(b'{"texts": ["a", "b", 7]}')
    assert caught.value.index == 2
    assert "texts[2]" in caught.value.message


def test_too_many_texts() -> None:
    body = json.dumps({"texts": ["x"] * (MAX_TEXTS + 1)}).encode()
    with pytest.raises(InvalidRequestError, match="1 to 64 strings; it holds 65"):
        decode(body)


def test_unpaired_surrogate_names_the_index() -> None:
    with pytest.raises(InvalidTextError) as caught:
        decode(b'{"texts": ["ok", "\\udc00x"]}')
    assert caught.value.index == 1


def test_check_texts_uses_the_model_validation() -> None:
    fake = FakeOrchestrator()
    request = decode(b'{"texts": ["fine", "  "]}')
    with pytest.raises(InvalidTextError) as caught:
        check_texts(request, fake.validate_text)
    assert caught.value.index == 1
    assert caught.value.message.startswith("texts[1]: text is empty")
    single = decode(b'{"text": ""}')
    with pytest.raises(InvalidTextError) as caught:
        check_texts(single, fake.validate_text)
    assert caught.value.index is None
    assert caught.value.message.startswith("text: ")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_raise_only_typed_errors(body: bytes) -> None:
    outcome = decode_or_error(body)
    if isinstance(outcome, ServeError):
        assert outcome.status in {400, 422}
        assert outcome.body()["error"]["message"]
    else:
        assert 1 <= len(outcome.texts) <= MAX_TEXTS


# JSON-ish text, so the fuzzer also reaches the shape checks, not only the UTF-8 one.
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["text", "texts", "x"]), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_arbitrary_json_raises_only_typed_errors(value: object) -> None:
    outcome = decode_or_error(json.dumps(value).encode())
    if isinstance(outcome, ServeError):
        assert outcome.status == 422


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=MAX_TEXTS),
    st.booleans(),
)
def test_valid_bodies_round_trip(texts: list[str], ascii_only: bool) -> None:
    body = json.dumps({"texts": texts}, ensure_ascii=ascii_only).encode("utf-8")
    assert decode(body) == AnalyzeRequest(texts=tuple(texts), field="texts")
    single = json.dumps({"text": texts[0]}, ensure_ascii=ascii_only).encode("utf-8")
    assert decode(single).texts == (texts[0],)
