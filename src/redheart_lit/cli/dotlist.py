"""``key=value`` arguments for the small tools (export, predict), checked against a dataclass.

They take Hydra's ``key=value`` syntax but need none of its run folders or logging. Values
are taken literally (``text=[a]: b`` is that string, not YAML) and converted to the
field's type; an unknown, repeated or missing key is an error naming it, and ``--help``
prints the keys with their defaults.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Sequence
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")
REQUIRED = "???"


def _convert(kind: Any, key: str, raw: str) -> Any:
    if get_origin(kind) in (Union, types.UnionType):  # `float | None`: a given value is a float
        members = [k for k in get_args(kind) if k is not type(None)]
        if len(members) == 1:
            kind = members[0]
    if kind is bool:
        if raw.lower() not in ("true", "false"):
            raise ValueError(f"{key} must be true or false, got {raw!r}")
        return raw.lower() == "true"
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{key} must be {kind.__name__}, got {raw!r}") from None
    return raw


def parse(schema: type[T], argv: Sequence[str], usage: str) -> T:
    """``schema`` filled from ``argv``; exits 2 with a message naming the key on error."""
    fields = {f.name: f for f in dataclasses.fields(schema)}  # type: ignore[arg-type]
    if any(a in ("-h", "--help") for a in argv):
        keys = "\n".join(f"  {name}={f.default}" for name, f in fields.items())
        print(f"{usage}\n\nkeys ({REQUIRED} = required):\n{keys}")
        raise SystemExit(0)
    types = get_type_hints(schema)
    values: dict[str, Any] = {}
    try:
        for arg in argv:
            key, sep, raw = arg.partition("=")
            if not sep:
                raise ValueError(f"arguments are key=value, got {arg!r}")
            if key not in fields:
                raise ValueError(f"unknown key {key!r}; known: {', '.join(fields)}")
            if key in values:
                raise ValueError(f"key {key!r} given twice")
            values[key] = _convert(types[key], key, raw)
        missing = [k for k, f in fields.items() if f.default == REQUIRED and k not in values]
        if missing:
            raise ValueError(f"missing required key(s): {', '.join(missing)}")
    except ValueError as err:
        print(f"error: {err}\n{usage}", file=sys.stderr)
        raise SystemExit(2) from None
    return schema(**values)
