"""Texts -> the ONNX graph's int64 inputs ``(input_ids, attention_mask, sentence_ids)``.

numpy twins of :class:`~redheart_lit.tokenizer.ByteTokenizer.__call__` and
:class:`~redheart_lit.encoders.hf.HFTokenizer`: the same ids, padding, truncation and
sentence rule, from the ``tokenizers`` library the Hugging Face fast tokenizers are
built on (the parity tests compare the two).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

import numpy as np

from redheart_lit.tokenizer import PAD_ID, ByteTokenizer, sentence_starts

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def _bytes(settings: dict[str, Any]) -> Callable[[list[str]], Arrays]:
    tokenizer = ByteTokenizer(max_length=settings["max_length"], kind=settings["kind"])

    def tokenize(texts: list[str]) -> Arrays:
        encoded = [tokenizer.encode(t) for t in texts]
        length = max(len(ids) for ids, _ in encoded)
        input_ids = np.full((len(texts), length), PAD_ID, dtype=np.int64)
        sentence_ids = np.zeros((len(texts), length), dtype=np.int64)
        for row, (ids, sids) in enumerate(encoded):
            input_ids[row, : len(ids)] = ids
            sentence_ids[row, : len(sids)] = sids
        return input_ids, (input_ids != PAD_ID).astype(np.int64), sentence_ids

    return tokenize


def _hf(settings: dict[str, Any], backend: Any) -> Callable[[list[str]], Arrays]:
    """``backend`` is a ``tokenizers.Tokenizer``; padded and truncated as ``HFTokenizer``
    asks its fast tokenizer to (``padding=True, truncation=True, max_length``)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(backend.to_str())  # a copy: padding is set on it
    tokenizer.enable_truncation(settings["max_length"])
    tokenizer.enable_padding(pad_id=settings["pad_id"], pad_token=settings["pad_token"])
    prefix = settings["prefix"]

    def tokenize(texts: list[str]) -> Arrays:
        encodings = tokenizer.encode_batch([prefix + t for t in texts])
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        sentence_ids = np.zeros_like(input_ids)
        for row, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
            starts = sentence_starts(text)
            current = 0
            for col, (begin, end) in enumerate(encoding.offsets):
                begin, end = max(begin - len(prefix), 0), max(end - len(prefix), 0)
                # Special tokens have empty offsets: they join the sentence before them.
                if end > begin:
                    current = bisect.bisect_right(starts, begin)
                sentence_ids[row, col] = current
        return input_ids, mask, sentence_ids

    return tokenize


def tokenizer_for(settings: dict[str, Any], backend: Any) -> Callable[[list[str]], Arrays]:
    """The tokenize function of the ``onnx.tokenizer`` section of a bundle's config.json;
    ``backend`` is the encoder's ``tokenizers.Tokenizer`` (None for bytes)."""
    if settings["kind"] == "bytes":
        return _bytes(settings)
    if settings["kind"] == "hf":
        return _hf(settings, backend)
    raise ValueError(f"onnx.tokenizer.kind={settings['kind']!r} is unknown; known: bytes, hf")
