"""Decode the body of ``POST /v1/analyze``: bytes -> strict UTF-8 -> JSON -> the texts.

A pure function (no I/O, no model) so that it can be fuzzed: on any input it returns an
:class:`AnalyzeRequest` or raises one of the typed :mod:`~redheart_lit.serving.errors`, and
each error maps to exactly one HTTP status. FastAPI's own body parsing is not used
because it folds bad UTF-8, bad JSON and a bad shape into one 422.

The accepted bodies::

    {"text": "one text"}
    {"texts": ["first", "second", ...]}     # 1 to max_texts strings
    {"text": "...", "image": B64, "audio": B64, "biosignals": {...}}   # text optional
    {"items": [{"text"?, "image"?, "audio"?, "biosignals"?, "culture"?}, ...]}  # 1 to max_texts

Every body may add ``"culture": "none"|"western"|"eastern"|"korean"``, the cultural
weights of its Bentham utilities (docs/culture.md); an item's own ``culture`` overrides
the body's for that item. Left out, the server's ``serve.culture`` applies. An unknown
name is a 422 naming the field, checked by pydantic against :data:`Culture`.

``image`` and ``audio`` are base64 file bytes (JPEG/PNG/...; WAV/FLAC/OGG/MP3);
``biosignals`` is ``{"ecg": [numbers], "sampling_rate": 500, ...}`` (docs/multimodal.md).
An image over :data:`MAX_IMAGE_BYTES` is refused here (413); the other limits (pixels,
seconds) are checked by the encoders, which know the decoded size.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from redheart_lit.ethics.culture import Culture
from redheart_lit.serving.errors import (
    InputTooLargeError,
    InvalidEncodingError,
    InvalidInputError,
    InvalidJsonError,
    InvalidRequestError,
    InvalidTextError,
)

Field = Literal["text", "texts", "item", "items"]
_FIELDS = ("text", "texts")
MEDIA = ("image", "audio", "biosignals")
MAX_IMAGE_BYTES = 5 * 1024 * 1024
_CULTURE = TypeAdapter(Culture)


@dataclass(frozen=True)
class Item:
    """One multimodal item: each part None when absent; image/audio as decoded bytes."""

    text: str | None
    image: bytes | None = None
    audio: bytes | None = None
    biosignals: dict[str, Any] | None = None
    culture: str | None = None

    def media(self) -> dict[str, Any]:
        """The modalities given, name -> raw input (the orchestrator's keyword arguments)."""
        return {name: getattr(self, name) for name in MEDIA if getattr(self, name) is not None}


@dataclass(frozen=True)
class AnalyzeRequest:
    """The texts of one request, in order, and which key they came under."""

    texts: tuple[str, ...]
    field: Field
    # Set for a body with image/audio/biosignals or "items"; ``texts`` then holds the
    # texts of the items that have one.
    items: tuple[Item, ...] | None = None
    # The body's "culture"; None: the server's serve.culture.
    culture: str | None = None

    def text_cultures(self) -> list[str | None]:
        """The culture of each text in ``texts``: its item's, else the body's (None: the
        server's)."""
        if self.items is None:
            return [self.culture] * len(self.texts)
        return [item.culture or self.culture for item in self.items if item.text is not None]

    def where(self, index: int) -> str:
        """How an error message names item ``index``: ``text``, ``texts[3]``, ``items[3]``."""
        if self.field == "item":
            return "request"
        return "text" if self.field == "text" else f"{self.field}[{index}]"

    def where_field(self, index: int, name: str) -> str:
        """``image`` (single item) or ``items[3].image``."""
        return name if self.field == "item" else f"items[{index}].{name}"


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


def check_texts(request: AnalyzeRequest, validate_text: Callable[[str], object]) -> None:
    """Run the model's own check (empty text, over max_chars, ...) on every text.

    ``validate_text`` raises a ``ValueError`` (the orchestrator's ``InputError``) for a text
    it will not take; that becomes a 422 naming the item: ``texts[3]``, or, in a request
    of items, the item's field (``items[3].text``; ``text`` for a single item).
    """
    if request.items is None:
        named = [(request.where(i), i, text) for i, text in enumerate(request.texts)]
    else:
        named = [
            (request.where_field(i, "text"), i, item.text)
            for i, item in enumerate(request.items)
            if item.text is not None
        ]
    for where, index, text in named:
        try:
            validate_text(text)
        except ValueError as err:
            raise InvalidTextError(f"{where}: {err}", index=_index(request, index)) from None


def check_cultures(request: AnalyzeRequest, check_culture: Callable[[str, str], object]) -> None:
    """Run the model's own check on the body's and each item's culture (the real one
    refuses a culture other than ``none`` when the model has no Bentham task): a
    ``ValueError`` becomes a 422 naming the field."""
    named = [("culture", request.culture, None)]
    for index, item in enumerate(request.items or ()):
        named.append((request.where_field(index, "culture"), item.culture, index))
    for where, culture, index in named:
        if culture is None:
            continue
        try:
            check_culture(culture, where)
        except ValueError as err:
            raise InvalidRequestError(str(err), index=index) from None


def build_request(payload: Any, *, max_texts: int) -> AnalyzeRequest:
    """Check the shape of a decoded body (or of MCP tool arguments); raises InvalidRequestError/InvalidTextError."""
    if not isinstance(payload, dict):
        raise InvalidRequestError(
            f'the body must be a JSON object {{"text": "..."}} or {{"texts": [...]}}, not {_kind(payload)}'
        )
    culture = _culture(payload.get("culture"), "culture", None)
    payload = {key: value for key, value in payload.items() if key != "culture"}
    if "items" in payload or any(key in payload for key in MEDIA):
        return _multimodal_request(payload, max_texts, culture)
    present = [key for key in _FIELDS if key in payload]
    unknown = sorted(key for key in payload if key not in _FIELDS)
    if unknown:
        raise InvalidRequestError(
            f'unknown key(s) {unknown}; the body takes "text" or "texts" (or "items", '
            f'"image", "audio", "biosignals"), and optionally "culture"'
        )
    if len(present) != 1:
        raise InvalidRequestError(
            'the body must have exactly one of "text" (a string) or "texts" (a list)'
        )
    field = present[0]
    if field == "text":
        text = payload["text"]
        if not isinstance(text, str):
            raise InvalidRequestError(f'"text" must be a string, not {_kind(text)}')
        request = AnalyzeRequest(texts=(text,), field="text", culture=culture)
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
        request = AnalyzeRequest(texts=tuple(texts), field="texts", culture=culture)
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


def _multimodal_request(
    payload: dict[str, Any], max_texts: int, culture: str | None
) -> AnalyzeRequest:
    """A body with media: one item (``text`` optional) or ``{"items": [...]}``."""
    if "items" in payload:
        if set(payload) != {"items"}:
            raise InvalidRequestError(
                '"items" goes alone (with "culture"); put text and media inside each item'
            )
        items = payload["items"]
        if not isinstance(items, list) or not 1 <= len(items) <= max_texts:
            raise InvalidRequestError(f'"items" must be a list of 1 to {max_texts} objects')
        parsed = tuple(_item(entry, f"items[{i}]", i) for i, entry in enumerate(items))
        field: Field = "items"
    else:
        parsed = (_item(payload, "", None),)
        field = "item"
        if culture is not None and parsed[0].text is None:
            raise InvalidRequestError(
                "culture reweights the text's Bentham utility; the body has no text"
            )
    texts = tuple(item.text for item in parsed if item.text is not None)
    return AnalyzeRequest(texts=texts, field=field, items=parsed, culture=culture)


def _item(entry: Any, where: str, index: int | None) -> Item:
    prefix = f"{where}." if where else ""
    if not isinstance(entry, dict):
        raise InvalidRequestError(f"{where or 'the body'} must be an object", index=index)
    unknown = sorted(set(entry) - {"text", "culture", *MEDIA})
    if unknown:
        raise InvalidRequestError(
            f"{prefix}unknown key(s) {unknown}; an item takes text, {', '.join(MEDIA)}, culture",
            index=index,
        )
    # A single item's culture is the body's own (already read); only items carry their own.
    culture = _culture(entry.get("culture"), f"{prefix}culture", index) if where else None
    if culture is not None and entry.get("text") is None:
        raise InvalidRequestError(
            f"{prefix}culture reweights the text's Bentham utility; this item has no text",
            index=index,
        )
    if not any(entry.get(name) is not None for name in MEDIA) and entry.get("text") is None:
        raise InvalidRequestError(
            f"{where or 'the body'}: give text or at least one of {', '.join(MEDIA)}", index=index
        )
    text = entry.get("text")
    if text is not None:
        if not isinstance(text, str):
            raise InvalidRequestError(
                f"{prefix}text must be a string, not {_kind(text)}", index=index
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidTextError(
                f"{prefix}text: contains an unpaired surrogate escape; send valid Unicode",
                index=index,
            ) from None
    decoded: dict[str, bytes | None] = {}
    for name in ("image", "audio"):
        value = entry.get(name)
        if value is None:
            decoded[name] = None
            continue
        if not isinstance(value, str):
            raise InvalidInputError(
                f"{prefix}{name} must be a base64 string, not {_kind(value)}", index=index
            )
        # The byte limit before decoding too: base64 is 4/3 of the bytes it holds.
        if name == "image" and len(value) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            raise InputTooLargeError(f"{prefix}image is over {MAX_IMAGE_BYTES} bytes", index=index)
        try:
            decoded[name] = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError(f"{prefix}{name} is not valid base64", index=index) from None
        if name == "image" and len(decoded[name] or b"") > MAX_IMAGE_BYTES:
            raise InputTooLargeError(f"{prefix}image is over {MAX_IMAGE_BYTES} bytes", index=index)
    signals = entry.get("biosignals")
    if signals is not None and not isinstance(signals, dict):
        raise InvalidInputError(
            f"{prefix}biosignals must be an object of arrays and sampling rates", index=index
        )
    return Item(
        text=text,
        image=decoded["image"],
        audio=decoded["audio"],
        biosignals=signals,
        culture=culture,
    )


def _culture(value: Any, where: str, index: int | None) -> str | None:
    """``value`` if it names a culture table (pydantic checks the Literal), None if absent."""
    if value is None:
        return None
    try:
        return _CULTURE.validate_python(value)
    except ValidationError as err:
        reason = err.errors()[0]["msg"]
        raise InvalidRequestError(
            f"{where}: {value!r} is not a culture; {reason}", index=index
        ) from None


def _index(request: AnalyzeRequest, index: int) -> int | None:
    return None if request.field in ("text", "item") else index


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
