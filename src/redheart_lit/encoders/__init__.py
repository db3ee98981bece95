"""External Hugging Face encoders: loading, tokenization, fusion and the frozen-feature cache."""

from redheart_lit.encoders.cache import FeatureCache
from redheart_lit.encoders.features import FrozenFeatures
from redheart_lit.encoders.fused import FusedFeatures, alignment
from redheart_lit.encoders.hf import (
    EncoderLoadError,
    HFTextEncoder,
    HFTokenizer,
    LoadedEncoder,
    load_encoder,
    unk_rates,
)

__all__ = [
    "EncoderLoadError",
    "FeatureCache",
    "FrozenFeatures",
    "FusedFeatures",
    "HFTextEncoder",
    "HFTokenizer",
    "LoadedEncoder",
    "alignment",
    "load_encoder",
    "unk_rates",
]
