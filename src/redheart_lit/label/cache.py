"""Content-addressed cache of LLM answers, one JSON file per answer.

The key is a hash of everything the answer depends on: the model, the prompt version, the
answer schema, the generation settings and the row's messages (which hold the text, its
language and any given counterfactual). Change any of them and the old entries are simply
never found; there is nothing to invalidate by hand. An identical rerun therefore sends no
request, and an interrupted run resumes: every answer is written the moment it arrives.

An entry is either ``ok`` (a validated answer) or ``rejected`` (every retry failed
validation; reused unless ``retry_rejects=true``). Transport failures are not answers and
are never cached. Entries hold answers, hashes, usage and times: never the API key.

Clear it with ``python -m redheart_lit.label.cache clear`` (``info`` counts the entries;
``dir=PATH`` names another cache than ``logs/cache/label``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redheart_lit.files import atomic_write
from redheart_lit.llm.prompts import Message

log = logging.getLogger(__name__)


def cache_key(
    model: str,
    prompt_version: str,
    schema: str,
    messages: list[Message],
    generation: dict[str, Any],
) -> str:
    """SHA-256 of the canonical JSON of what the answer depends on."""
    identity = {
        "model": model,
        "prompt_version": prompt_version,
        "schema": schema,
        "messages": messages,
        "generation": generation,
    }
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerCache:
    """``root/<key[:2]>/<key>.json``; written atomically, so a killed run leaves no half file."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None when there is none (or it cannot be read: asked again)."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            log.warning("unreadable cache entry %s (%s); asking again", path, err)
            return None
        return entry

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        with atomic_write(path) as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


@dataclass(frozen=True)
class CacheInfo:
    entries: int
    rejected: int
    bytes: int


def info(root: str | Path) -> CacheInfo:
    """How many answers (and rejections) the cache holds, and its size on disk."""
    files = list(Path(root).glob("*/*.json"))
    rejected = sum(json.loads(f.read_text("utf-8")).get("status") == "rejected" for f in files)
    return CacheInfo(len(files), rejected, sum(f.stat().st_size for f in files))


def clear(root: str | Path) -> int:
    """Delete the cache folder; returns how many answers it held."""
    root = Path(root)
    if not root.exists():
        return 0
    count = len(list(root.glob("*/*.json")))
    shutil.rmtree(root)
    return count


def default_root() -> Path:
    """``logs/cache/label`` under the project root, as ``conf/paths`` resolves it."""
    from redheart_lit.label.config import resolved_cache_dir

    return Path(resolved_cache_dir())


USAGE = "usage: python -m redheart_lit.label.cache {clear|info} [dir=PATH]"


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in ("clear", "info"):
        print(USAGE, file=sys.stderr if args and args[0] not in ("-h", "--help") else sys.stdout)
        raise SystemExit(0 if args and args[0] in ("-h", "--help") else 2)
    action, rest = args[0], args[1:]
    root: Path | None = None
    for arg in rest:
        key, sep, value = arg.partition("=")
        if key != "dir" or not sep or not value:
            print(f"error: unknown argument {arg!r}\n{USAGE}", file=sys.stderr)
            raise SystemExit(2)
        root = Path(value)
    root = root or default_root()
    if action == "clear":
        print(f"removed {clear(root)} cached answer(s) from {root}")
    else:
        found = info(root)
        print(
            f"{root}: {found.entries} answer(s), {found.rejected} of them rejected, "
            f"{found.bytes / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main()
