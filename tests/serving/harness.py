"""Run an app in-process for a test: lifespan started, an httpx client on ASGITransport.

Import as ``from tests.serving.harness import serving``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from tests.serving.fakes import FakeOrchestrator

from redheart_lit.serving import ServeSettings, create_app
from redheart_lit.serving.helping_ai import HelpingAI

# The MCP mount checks the Host header against the loopback bind (DNS-rebinding
# protection), so the test client must look like a loopback client.
BASE_URL = "http://127.0.0.1:8000"


@dataclass
class Served:
    client: httpx.AsyncClient
    app: FastAPI
    fake: FakeOrchestrator


@asynccontextmanager
async def serving(
    fake: FakeOrchestrator | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    helper: HelpingAI | None = None,
    **settings: Any,
) -> AsyncIterator[Served]:
    """An app over ``fake`` with ``ServeSettings(**settings)``, started, and a client for it."""
    fake = fake or FakeOrchestrator()
    app = create_app(fake, ServeSettings(**settings), token=token, helper=helper)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers=headers
        ) as client:
            yield Served(client=client, app=app, fake=fake)
