"""File helpers shared by bundles, encoder caches and the labeller: digests, atomic writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, read in 4 MiB blocks."""
    sha = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            sha.update(block)
    return sha.hexdigest()


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write a temporary sibling of ``path``, then rename it over ``path``.

    A reader (another worker, a later run) never sees half a file, and a killed writer
    leaves the old file in place. Text modes write UTF-8.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    encoding = None if "b" in mode else "utf-8"
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename below
        mode, encoding=encoding, dir=path.parent, suffix=".tmp", delete=False
    )
    try:
        with handle:
            yield handle
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
