"""Imported first by the Ray test modules: Ray Serve must be installed (`pip install
'.[ray]'`, which `.ci/run` does), so a missing extra fails loudly instead of skipping in CI.
``REDHEART_SKIP_RAY=1`` is the explicit opt-out; the module is then skipped."""

from __future__ import annotations

import os

import pytest

try:
    import ray.serve  # noqa: F401
except ImportError:
    if os.environ.get("REDHEART_SKIP_RAY") != "1":
        raise ImportError(
            "Ray Serve is not installed: pip install '.[ray]' (or set REDHEART_SKIP_RAY=1)"
        ) from None
    pytest.skip("REDHEART_SKIP_RAY=1", allow_module_level=True)
