"""The serving tests run their coroutines with anyio's pytest plugin, on asyncio."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
