"""The deploy tests run the app's coroutines on asyncio, as the serving tests do."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
