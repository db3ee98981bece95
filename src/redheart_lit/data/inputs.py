"""How texts become model input: the one function that reads the encoder config.

Four ways, by ``encoder.kind`` (and ``frozen``):

* ``own``: the byte tokenizer; the backbone embeds bytes.
* ``hf``, fine-tuned: the encoder's tokenizer; the model runs the encoder (it is part of
  the trunk and trains with it).
* ``hf``, frozen: the encoder's hidden states, computed here (cached when a cache folder
  is given); the model never sees the encoder.
* ``fused``: every member's hidden states, aligned to the first member's tokens by
  character spans and concatenated.

Training (the DataModule) loads encoders by name. An exported bundle loads them with the
identity checks and the tokenizers saved at export: it passes its own loaders, so the
choice above is made here for both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redheart_lit.encoders import (
    EncoderLoadError,
    FeatureCache,
    FrozenFeatures,
    FusedFeatures,
    HFTokenizer,
    LoadedEncoder,
    load_encoder,
)
from redheart_lit.tokenizer import ByteTokenizer, Encoding

# (index, member entry) -> the loaded member; entry has name, revision, hidden_size.
MemberLoader = Callable[[int, dict[str, Any]], LoadedEncoder]
# (index, member entry) -> its tokenizer (fine-tuned encoders: the model holds the weights).
TokenizerLoader = Callable[[int, dict[str, Any]], Any]


def members_of(encoder: dict[str, Any]) -> list[dict[str, Any]]:
    """The external encoders of an encoder config, in input order (none for ``own``)."""
    if encoder["kind"] == "fused":
        return [dict(m) for m in encoder["members"]]
    if encoder["kind"] == "hf":
        return [
            {
                "name": encoder["name"],
                "revision": encoder.get("revision"),
                "prefix": encoder.get("prefix", ""),
            }
        ]
    return []


def load_member(index: int, member: dict[str, Any]) -> LoadedEncoder:
    """Load member ``index`` by name; a hidden size other than the configured one is an error."""
    encoder = load_encoder(member["name"], member.get("revision"))
    expected = member.get("hidden_size")
    if expected is not None and encoder.hidden_size != expected:
        raise EncoderLoadError(
            f"encoder {member['name']!r} (members[{index}]) has hidden size "
            f"{encoder.hidden_size}, but the config says hidden_size={expected}"
        )
    return encoder


def text_encoder(
    tokenizer: dict[str, Any],
    encoder: dict[str, Any] | None,
    cache_dir: str | Path | None = None,
    load: MemberLoader = load_member,
    load_tokenizer: TokenizerLoader | None = None,
) -> Callable[[list[str]], Encoding]:
    """The callable that turns texts into what the model reads (see the module docstring).

    Args:
        tokenizer: the byte tokenizer's settings (``own``).
        encoder: the encoder config (``model.config.encoder``); None means ``own``.
        cache_dir: where frozen features are cached; None: no cache.
        load: loads one external encoder.
        load_tokenizer: loads a fine-tuned encoder's tokenizer; by default, ``load``'s.
    """
    if not encoder or encoder["kind"] == "own":
        return ByteTokenizer.from_dict(tokenizer)
    members = members_of(encoder)
    max_length = encoder["max_length"]
    if encoder["kind"] == "hf" and not encoder.get("frozen", True):
        tokenizer_of = load_tokenizer or (lambda i, m: load(i, m).tokenizer)
        return HFTokenizer(tokenizer_of(0, members[0]), max_length, members[0].get("prefix", ""))
    # The text prefix is a setting of the config, not of the model: attached here, once.
    loaded = [
        dataclasses.replace(load(i, member), prefix=member.get("prefix", ""))
        for i, member in enumerate(members)
    ]
    if encoder["kind"] == "fused":
        return FusedFeatures(loaded, max_length, cache_dir)
    first = loaded[0]
    return FrozenFeatures(first, max_length, FeatureCache.for_encoder(cache_dir, first, max_length))
