"""Which callable turns texts into model input: the one place that reads the encoder config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from redheart_lit.encoders import FeatureCache, FrozenFeatures, HFTokenizer, load_encoder
from redheart_lit.tokenizer import ByteTokenizer, Encoding


def text_encoder(
    tokenizer: dict[str, Any], encoder: dict[str, Any] | None, cache_dir: str | Path | None
) -> Callable[[list[str]], Encoding]:
    """``own`` -> byte tokenizer; fine-tuned ``hf`` -> its tokenizer (the model runs the
    encoder); frozen ``hf`` -> cached features (the model never sees the encoder)."""
    if not encoder or encoder["kind"] == "own":
        return ByteTokenizer.from_dict(tokenizer)
    loaded = load_encoder(encoder["name"], encoder.get("revision"))
    if not encoder.get("frozen", True):
        return HFTokenizer(loaded.tokenizer, encoder["max_length"])
    cache = FeatureCache(cache_dir, loaded.identity, encoder["max_length"]) if cache_dir else None
    return FrozenFeatures(loaded, encoder["max_length"], cache)
