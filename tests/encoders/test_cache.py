"""The frozen-feature cache: keys, invalidation, and exact cold/warm equality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tests.helpers import make_tiny_hf_encoder

from redheart_lit.encoders import FeatureCache, FrozenFeatures, load_encoder


def test_put_get_round_trip_in_float16(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path, "enc@default#abc", max_length=32)
    features = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    assert cache.get("hello") is None
    cache.put("hello", features)
    got = cache.get("hello")
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, features.astype(np.float16))
    assert (cache.hits, cache.misses) == (1, 1)


def test_identity_and_max_length_key_the_folder(tmp_path: Path) -> None:
    FeatureCache(tmp_path, "enc@default#abc", 32).put("hello", np.ones((1, 2)))
    # Another revision, another config digest or another length never sees that entry.
    for identity, length in [("enc@v2#abc", 32), ("enc@default#def", 32), ("enc@default#abc", 64)]:
        assert FeatureCache(tmp_path, identity, length).get("hello") is None
    # A text prefix changes the features too (e5's "query: ").
    assert FeatureCache(tmp_path, "enc@default#abc", 32, prefix="query: ").get("hello") is None
    assert FeatureCache(tmp_path, "enc@default#abc", 32).get("hello") is not None


def test_warm_epoch_gives_the_cold_epoch_tensors(tmp_path: Path) -> None:
    folder = make_tiny_hf_encoder(tmp_path / "bert")
    loaded = load_encoder(str(folder))
    cache = FeatureCache(tmp_path / "cache", loaded.identity, 16)
    features = FrozenFeatures(loaded, 16, cache)
    texts = ["i was sad.", "we helped you!", "i lied"]
    cold = features(texts)
    assert (cache.hits, cache.misses) == (0, 3)
    warm = features(list(reversed(texts)))
    assert (cache.hits, cache.misses) == (3, 3)
    assert torch.equal(cold.input_ids[0, : cold.attention_mask[0].sum()],
                       warm.input_ids[2, : warm.attention_mask[2].sum()])  # fmt: skip
    assert cold.input_ids.dtype == torch.float32
    assert cold.input_ids.shape[-1] == 24
    # Padding positions carry zeros, never another text's features.
    assert cold.input_ids[2, cold.attention_mask[2].sum() :].abs().sum() == 0
