"""The MCP tools, through the SDK's in-memory client and through the /mcp mount."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent
from tests.serving.fakes import FakeConfig, FakeOrchestrator, text_of
from tests.serving.harness import BASE_URL, serving

from redheart_lit.serving import ServeSettings
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.service import AnalysisService

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def connected(fake: FakeOrchestrator, **settings: Any) -> AsyncIterator[Client]:
    service = AnalysisService(fake, ServeSettings(**settings))
    await service.start()
    try:
        async with Client(build_mcp_server(service)) as client:
            yield client
    finally:
        await service.stop()


def content_text(result: CallToolResult) -> str:
    (content,) = result.content
    assert isinstance(content, TextContent)
    return content.text


async def test_tools_are_listed_with_their_limits() -> None:
    async with connected(FakeOrchestrator(FakeConfig(max_chars=500))) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"analyze_text", "analyze_texts", "analyze_items"}
    assert "500 characters" in (tools["analyze_text"].description or "")
    assert "1 to 64 texts" in (tools["analyze_texts"].description or "")
    assert tools["analyze_texts"].annotations is not None
    assert tools["analyze_texts"].annotations.read_only_hint is True


async def test_analyze_text_returns_the_http_envelope() -> None:
    fake = FakeOrchestrator()
    async with connected(fake) as client:
        result = await client.call_tool("analyze_text", {"text": "오늘은 좋은 날"})
    assert not result.is_error
    body = result.structured_content
    assert body is not None
    assert body["model_version"] == "fake-0001"
    assert [text_of(r) for r in body["results"]] == ["오늘은 좋은 날"]
    assert json.loads(content_text(result)) == body
    assert fake.batches == [["오늘은 좋은 날"]]


async def test_analyze_texts_goes_through_the_batcher() -> None:
    fake = FakeOrchestrator()
    async with connected(fake, max_wait_ms=1.0) as client:
        result = await client.call_tool("analyze_texts", {"texts": ["a", "b", "c"]})
    assert not result.is_error
    assert [text_of(r) for r in result.structured_content["results"]] == ["a", "b", "c"]  # type: ignore[index]
    assert fake.batches == [["a", "b", "c"]]


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("analyze_text", {"text": "   "}, "invalid_text: text: text is empty"),
        ("analyze_texts", {"texts": ["ok", ""]}, "invalid_text: texts[1]: text is empty"),
        ("analyze_texts", {"texts": []}, 'invalid_request: "texts" must hold 1 to 64'),
        ("analyze_texts", {"texts": ["x"] * 65}, 'invalid_request: "texts" must hold 1 to 64'),
        ("analyze_text", {"text": "y" * 2001}, "invalid_text: text: text has 2001 characters"),
    ],
)
async def test_invalid_input_is_a_tool_error(
    tool: str, arguments: dict[str, Any], message: str
) -> None:
    fake = FakeOrchestrator()
    async with connected(fake) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert message in content_text(result)
    assert fake.batches == []


async def test_a_model_failure_is_a_tool_error() -> None:
    async with connected(FakeOrchestrator(fail_on={"boom"})) as client:
        result = await client.call_tool("analyze_texts", {"texts": ["fine", "boom"]})
    assert result.is_error
    assert "inference_failed: texts[1]: the model failed" in content_text(result)


async def test_http_mount_refuses_a_missing_token() -> None:
    async with serving(token="tok") as s:
        response = await s.client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_http_mount_serves_the_tools_with_the_token() -> None:
    async with serving(token="tok") as s:
        http = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=s.app), headers={"Authorization": "Bearer tok"}
        )
        async with (
            http,
            Client(streamable_http_client(f"{BASE_URL}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("analyze_text", {"text": "over http"})
        assert not result.is_error
        assert text_of(result.structured_content["results"][0]) == "over http"  # type: ignore[index]
        metrics = (await s.client.get("/metrics", headers={"Authorization": "Bearer tok"})).text
    assert 'redheart_http_requests_total{route="/mcp",status="200"}' in metrics
