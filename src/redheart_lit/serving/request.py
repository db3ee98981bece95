"""Decode the body of ``POST /v1/analyze``: bytes -> strict UTF-8 -> JSON -> the texts.

A pure function (no I/O, no model) so that it can be fuzzed: on any input it returns an
:class:`AnalyzeRequest` or raises one of the typed :mod:`~redheart_lit.serving.errors`, and
each error maps to exactly one HTTP status. FastAPI's own body parsing is not used
because it folds bad UTF-8, bad JSON and a bad shape into one 422.

The accepted bodies (exactly one of the two keys, nothing else)::

    {"text": "one text"}
    {"texts": ["first", "second", ...]}     # 1 to max_texts strings
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from redheart_lit.serving.errors import (
    InvalidEncodingError,
    InvalidJsonError,
    InvalidRequestError,
    InvalidTextError,
)

Field = Literal["text", "texts"]
_FIELDS: tuple[Field, ...] = ("text", "texts")


@dataclass(frozen=True)
class AnalyzeRequest:
    """The texts of one request, in order, and which key they came under."""

    texts: tuple[str, ...]
    field: Field

    def where(self, index: int) -> str:
        """How an error message names item ``index``: ``text`` or ``texts[3]``."""
        return "text" if self.field == "text" else f"texts[{index}]"


class _DuplicateKeyError(ValueError):
    pass


def decode_analyze_request(body: bytes, *, max_texts: int) -> AnalyzeRequest:
    """The texts of an analyze body; raises InvalidEncodingError/InvalidJsonError (400) or InvalidRequestError/InvalidTextError (422)."""
    try:
        document = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as err:
        raise InvalidEncodingError(
            f"the body is not valid UTF-8 (byte {err.start}: {err.reason}); send JSON encoded as UTF-8"
        ) from None
    try:
        payload = json.loads(
            document, object_pairs_hook=_unique_keys, parse_constant=_reject_constant
        )
    except _DuplicateKeyError as err:
        raise InvalidRequestError(str(err)) from None
    except json.JSONDecodeError as err:
        raise InvalidJsonError(
            f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except ValueError as err:  # NaN / Infinity, which json.loads accepts by default
        raise InvalidJsonError(f"the body is not valid JSON: {err}") from None
    except RecursionError:
        # `[[[[...` a few thousand deep exhausts the parser's stack well inside 1 MiB.
        raise InvalidJsonError("the body is not valid JSON: nested too deeply") from None
    return build_request(payload, max_texts=max_texts)


def check_texts(request: AnalyzeRequest, validate_text: Callable[[str], None]) -> None:
    """Run the model's own check (empty text, over max_chars, ...) on every text.

    ``validate_text`` raises a ``ValueError`` (the orchestrator's ``InputError``) for a text
    it will not take; that becomes a 422 naming the item.
    """
    for index, text in enumerate(request.texts):
        try:
            validate_text(text)
        except ValueError as err:
            raise InvalidTextError(
                f"{request.where(index)}: {err}", index=_index(request, index)
            ) from None


def build_request(payload: Any, *, max_texts: int) -> AnalyzeRequest:
    """Check the shape of a decoded body (or of MCP tool arguments); raises InvalidRequestError/InvalidTextError."""
    if not isinstance(payload, dict):
        raise InvalidRequestError(
            f'the body must be a JSON object {{"text": "..."}} or {{"texts": [...]}}, not {_kind(payload)}'
        )
    present = [key for key in _FIELDS if key in payload]
    unknown = sorted(key for key in payload if key not in _FIELDS)
    if unknown:
        raise InvalidRequestError(f'unknown key(s) {unknown}; the body takes "text" or "texts"')
    if len(present) != 1:
        raise InvalidRequestError(
            'the body must have exactly one of "text" (a string) or "texts" (a list)'
        )
    field = present[0]
    if field == "text":
        text = payload["text"]
        if not isinstance(text, str):
            raise InvalidRequestError(f'"text" must be a string, not {_kind(text)}')
        request = AnalyzeRequest(texts=(text,), field="text")
    else:
        texts = payload["texts"]
        if not isinstance(texts, list):
            raise InvalidRequestError(f'"texts" must be a list of strings, not {_kind(texts)}')
        if not 1 <= len(texts) <= max_texts:
            raise InvalidRequestError(
                f'"texts" must hold 1 to {max_texts} strings; it holds {len(texts)}'
            )
        for index, item in enumerate(texts):
            if not isinstance(item, str):
                raise InvalidRequestError(
                    f"texts[{index}] must be a string, not {_kind(item)}", index=index
                )
        request = AnalyzeRequest(texts=tuple(texts), field="texts")
    for index, text in enumerate(request.texts):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON escapes can spell lone surrogates ("\ud800") that no UTF-8 text holds;
            # the tokenizer and the response encoder would fail on them later.
            raise InvalidTextError(
                f"{request.where(index)}: contains an unpaired surrogate escape; send valid Unicode",
                index=_index(request, index),
            ) from None
    return request


def _index(request: AnalyzeRequest, index: int) -> int | None:
    return None if request.field == "text" else index


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # Counter, not list.count: an object of 100k keys must stay linear.
        counts = Counter(key for key, _ in pairs)
        duplicates = sorted(key for key, n in counts.items() if n > 1)[:5]
        raise _DuplicateKeyError(f"duplicate key(s) {duplicates} in a JSON object")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _kind(value: Any) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), "a number")
