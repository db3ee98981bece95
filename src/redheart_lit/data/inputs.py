"""Which callable turns texts into model input: the one place that reads the encoder config."""

from __future__ import annotations

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


def load_members(members: list[dict[str, Any]]) -> list[LoadedEncoder]:
    """Load each fused member; a hidden size other than the configured one is an error."""
    loaded = []
    for i, member in enumerate(members):
        encoder = load_encoder(member["name"], member.get("revision"))
        if encoder.hidden_size != member["hidden_size"]:
            raise EncoderLoadError(
                f"encoder {member['name']!r} (members[{i}]) has hidden size "
                f"{encoder.hidden_size}, but the config says hidden_size={member['hidden_size']}"
            )
        loaded.append(encoder)
    return loaded


def text_encoder(
    tokenizer: dict[str, Any], encoder: dict[str, Any] | None, cache_dir: str | Path | None
) -> Callable[[list[str]], Encoding]:
    """``own`` -> byte tokenizer; fine-tuned ``hf`` -> its tokenizer (the model runs the
    encoder); frozen ``hf`` -> cached features (the model never sees the encoder);
    ``fused`` -> every member's cached features, aligned and concatenated."""
    if not encoder or encoder["kind"] == "own":
        return ByteTokenizer.from_dict(tokenizer)
    if encoder["kind"] == "fused":
        return FusedFeatures(load_members(encoder["members"]), encoder["max_length"], cache_dir)
    loaded = load_encoder(encoder["name"], encoder.get("revision"))
    if not encoder.get("frozen", True):
        return HFTokenizer(loaded.tokenizer, encoder["max_length"])
    cache = FeatureCache(cache_dir, loaded.identity, encoder["max_length"]) if cache_dir else None
    return FrozenFeatures(loaded, encoder["max_length"], cache)
