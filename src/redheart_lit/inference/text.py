"""What counts as one input text: validation and the normal form used for the model and cache."""

from __future__ import annotations

import re
import unicodedata


class InputError(ValueError):
    """An input the model refuses (empty, too long, not text); the message says which."""


_SPACES = re.compile(r"[^\S\n]+")  # runs of whitespace other than newlines


def normalise(text: str) -> str:
    """NFC, outer whitespace stripped, inner runs of spaces/tabs collapsed to one space.

    Newlines stay: they end sentences for the Kalman module. The model reads exactly this
    form, so two texts that normalise alike get the same (cached) result.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def validate(text: object, max_chars: int) -> str:
    """The normal form of ``text``; :class:`InputError` if it is not a usable text."""
    if not isinstance(text, str):
        raise InputError(f"text must be a string, got {type(text).__name__}")
    if "\x00" in text:
        raise InputError("text contains a NUL character")
    form = normalise(text)
    if not form:
        raise InputError("text is empty (or only whitespace)")
    if len(form) > max_chars:
        raise InputError(f"text has {len(form)} characters; the limit is {max_chars}")
    return form
