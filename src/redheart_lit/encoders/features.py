"""Texts -> frozen-encoder features, through the cache: the collate-time input for
``backbone.input=hidden_states`` when the encoder is frozen."""

from __future__ import annotations

import numpy as np
import torch

from redheart_lit.encoders.cache import FeatureCache
from redheart_lit.encoders.hf import HFTextEncoder, HFTokenizer, LoadedEncoder
from redheart_lit.tokenizer import Encoding


class FrozenFeatures:
    """Callable ``texts -> Encoding`` whose ``input_ids`` are float states ``[B, L, E]``.

    Texts missing from the cache are encoded in one batch and stored; cached and fresh
    features both pass through float16, so an epoch served from the cache gives exactly
    the tensors of the epoch that filled it.
    """

    def __init__(self, encoder: LoadedEncoder, max_length: int, cache: FeatureCache | None) -> None:
        self.tokenize = HFTokenizer(encoder.tokenizer, max_length, encoder.prefix)
        self.model = HFTextEncoder(encoder.model, frozen=True)
        self.cache = cache
        self.hidden_size = encoder.hidden_size

    def warm(self, texts: list[str], batch_size: int = 64) -> int:
        """Encode every text not yet cached, shortest first; return how many were encoded.

        Sorting by length keeps padding (wasted encoder work) small, which makes this
        several times faster than filling the cache batch by batch during the first epoch.
        """
        from rich.progress import track

        if self.cache is None:
            raise ValueError("warm() needs a feature cache (paths.cache_dir)")
        todo = sorted({t for t in texts if not self.cache.has(t)}, key=len)
        batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
        for batch in track(batches, description=f"encoding {len(todo)} texts", transient=True):
            self(batch)
        return len(todo)

    def __call__(self, texts: list[str]) -> Encoding:
        return self.with_offsets(texts)[0]

    @torch.no_grad()
    def with_offsets(self, texts: list[str]) -> tuple[Encoding, torch.Tensor]:
        """Features as an :class:`Encoding`, and each token's character span ``[B, L, 2]``."""
        enc, offsets = self.tokenize.with_offsets(texts)
        lengths = enc.attention_mask.sum(1).tolist()
        features: list[np.ndarray | None] = [
            self.cache.get(t) if self.cache is not None else None for t in texts
        ]
        missing = [i for i, f in enumerate(features) if f is None]
        if missing:
            rows = torch.tensor(missing)
            device = next(self.model.parameters()).device
            states = self.model(enc.input_ids[rows].to(device), enc.attention_mask[rows].to(device))
            states = states.float().cpu().numpy()
            for j, i in enumerate(missing):
                computed = states[j, : lengths[i]].astype(np.float16)
                if self.cache is not None:
                    self.cache.put(texts[i], computed)
                features[i] = computed
        out = torch.zeros(len(texts), enc.input_ids.shape[1], self.hidden_size)
        for i, f in enumerate(features):
            out[i, : lengths[i]] = torch.from_numpy(f.astype(np.float32))
        return Encoding(out, enc.attention_mask, enc.sentence_ids), offsets
