"""A byte-level tokenizer: works offline for every language and needs no training.

UTF-8 bytes map to ids ``3..258``; ``0`` pads, ``1`` opens and ``2`` closes a sequence.
Korean costs three bytes a syllable, so ``max_length`` is in bytes, not words. The tokenizer
is described by :meth:`ByteTokenizer.to_dict`, stored in every checkpoint and rebuilt from it.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
_BYTE_OFFSET = 3
# Characters that end a sentence; they feed sentence ids to the Kalman estimator.
_SENTENCE_END = ".!?\n"


def sentence_starts(text: str | bytes) -> list[int]:
    """Positions where a new sentence starts, ascending.

    A run of sentence ends ("...", "?!", ".\\n") closes one sentence, and only if more text
    follows it. Works on characters (``str``) and on UTF-8 bytes alike; the token at
    position ``p`` belongs to sentence ``bisect_right(starts, p)``.
    """
    ends = _SENTENCE_END if isinstance(text, str) else _SENTENCE_END.encode()
    is_end = [item in ends for item in text]  # chars in a str, ints in bytes
    return [i + 1 for i in range(len(is_end) - 1) if is_end[i] and not is_end[i + 1]]


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
        starts = sentence_starts(data)
        sentence_ids = [0, *(bisect.bisect_right(starts, i) for i in range(len(data))), len(starts)]
        return ids, sentence_ids

    def decode(self, ids: list[int]) -> str:
        return bytes(i - _BYTE_OFFSET for i in ids if i >= _BYTE_OFFSET).decode(
            "utf-8", errors="replace"
        )

    def __call__(self, texts: list[str]) -> Encoding:
        # Imported here: the edge runner (redheart_lit.edge) uses encode() without torch.
        import torch

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
