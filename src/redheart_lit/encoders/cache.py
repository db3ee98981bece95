"""On-disk cache of a frozen encoder's token features, one file per text.

The folder is keyed by the encoder identity (name, revision, config digest), the
maximum length and the text prefix, if any; the file by a hash of the text. Change any of them and the old entries
are simply never found again: there is nothing to invalidate by hand. Features are
stored as float16 ``[L, E]`` (unpadded), half the size of float32 and exact enough for
features that only feed a trainable projection.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from redheart_lit.files import atomic_write

if TYPE_CHECKING:
    from redheart_lit.encoders.hf import LoadedEncoder


class FeatureCache:
    def __init__(self, root: str | Path, identity: str, max_length: int, prefix: str = "") -> None:
        # No prefix adds nothing to the key: caches written before prefixes existed stay valid.
        key = f"{identity}|max_length={max_length}" + (f"|prefix={prefix!r}" if prefix else "")
        self.folder = Path(root) / hashlib.sha256(key.encode()).hexdigest()[:20]
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = self.folder / "meta.json"
        if not meta.exists():
            fields = {"identity": identity, "max_length": max_length, "prefix": prefix}
            meta.write_text(json.dumps(fields) + "\n")
        self.hits = self.misses = 0

    @classmethod
    def for_encoder(
        cls, root: str | Path | None, encoder: LoadedEncoder, max_length: int
    ) -> FeatureCache | None:
        """The cache of ``encoder``'s features (its identity and text prefix) under
        ``root``; None when no root is configured."""
        return cls(root, encoder.identity, max_length, encoder.prefix) if root else None

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def has(self, text: str) -> bool:
        return self._path(text).exists()

    def get(self, text: str) -> np.ndarray | None:
        """The cached ``[L, E]`` float16 features of ``text``, or None."""
        path = self._path(text)
        if not path.exists():
            self.misses += 1
            return None
        self.hits += 1
        return np.load(path)

    def put(self, text: str, features: np.ndarray) -> None:
        path = self._path(text)
        with atomic_write(path, "wb") as handle:
            np.save(handle, features.astype(np.float16))
