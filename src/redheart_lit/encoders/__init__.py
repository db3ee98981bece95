"""External Hugging Face encoders: loading, tokenization, and the frozen-feature cache."""

from redheart_lit.encoders.cache import FeatureCache
from redheart_lit.encoders.features import FrozenFeatures
from redheart_lit.encoders.hf import EncoderLoadError, HFTextEncoder, HFTokenizer, load_encoder

__all__ = [
    "EncoderLoadError",
    "FeatureCache",
    "FrozenFeatures",
    "HFTextEncoder",
    "HFTokenizer",
    "load_encoder",
]
