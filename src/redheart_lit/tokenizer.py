"""A byte-level tokenizer: works offline for every language and needs no training.

UTF-8 bytes map to ids ``3..258``; ``0`` pads, ``1`` opens and ``2`` closes a sequence.
Korean costs three bytes a syllable, so ``max_length`` is in bytes, not words. The tokenizer
is described by :meth:`ByteTokenizer.to_dict`, stored in every checkpoint and rebuilt from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
_BYTE_OFFSET = 3
# Bytes that end a sentence; they feed sentence ids to the Kalman estimator.
_SENTENCE_END = frozenset(b".!?\n")


@dataclass(frozen=True)
class Encoding:
    """Token ids and per-token sentence index for a batch, both ``[B, L]`` (``L`` = longest)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    sentence_ids: torch.Tensor


@dataclass(frozen=True)
class ByteTokenizer:
    max_length: int = 256
    kind: str = "bytes"

    def __post_init__(self) -> None:
        if self.kind != "bytes":
            raise ValueError(f"tokenizer.kind={self.kind!r} is not supported; only 'bytes'")
        if self.max_length < 3:
            raise ValueError(f"tokenizer.max_length must be >= 3, got {self.max_length}")

    vocab_size = 256 + _BYTE_OFFSET

    def encode(self, text: str) -> tuple[list[int], list[int]]:
        """Return ``(ids, sentence_ids)`` for one text, truncated to ``max_length``."""
        data = text.encode("utf-8")[: self.max_length - 2]
        ids = [BOS_ID, *(b + _BYTE_OFFSET for b in data), EOS_ID]
        sentence_ids, sentence = [0], 0
        for i, b in enumerate(data):
            sentence_ids.append(sentence)
            # A run of sentence ends ("...", "?!", ".\n") closes one sentence, and only
            # if more text follows it.
            nxt = data[i + 1] if i + 1 < len(data) else None
            if b in _SENTENCE_END and nxt is not None and nxt not in _SENTENCE_END:
                sentence += 1
        sentence_ids.append(sentence)
        return ids, sentence_ids

    def decode(self, ids: list[int]) -> str:
        return bytes(i - _BYTE_OFFSET for i in ids if i >= _BYTE_OFFSET).decode(
            "utf-8", errors="replace"
        )

    def __call__(self, texts: list[str]) -> Encoding:
        encoded = [self.encode(t) for t in texts]
        length = max(len(ids) for ids, _ in encoded)
        input_ids = torch.full((len(texts), length), PAD_ID, dtype=torch.long)
        sentence_ids = torch.zeros((len(texts), length), dtype=torch.long)
        for row, (ids, sids) in enumerate(encoded):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            sentence_ids[row, : len(sids)] = torch.tensor(sids)
        return Encoding(input_ids, input_ids != PAD_ID, sentence_ids)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, config: dict) -> ByteTokenizer:
        return cls(**dict(config))
