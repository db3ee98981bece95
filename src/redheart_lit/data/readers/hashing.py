"""A hash of a string to [0, 1) that is the same on every machine and Python version."""

from __future__ import annotations

import hashlib

_SCALE = 2.0**64


def unit_hash(key: str, salt: str) -> float:
    """A number in ``[0, 1)`` fixed by ``(salt, key)``.

    Python's ``hash`` is randomised per process; data splits and orientations must not
    change between runs, so this uses BLAKE2b.
    """
    digest = hashlib.blake2b(f"{salt}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE
