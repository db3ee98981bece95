"""A culture per request: POST /v1/analyze's "culture" (body and per item) and the MCP
tools' ``culture``, over the fake model. The orchestrator's own handling (the utility
with and without it) is tested on the tiny bundle in tests/ethics/test_culture.py."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from mcp import Client
from tests.serving.fakes import FakeOrchestrator
from tests.serving.harness import serving
from tests.serving.test_multimodal import FakeMultimodal

from redheart_lit.serving import ServeSettings
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.service import AnalysisService

pytestmark = pytest.mark.anyio
IMAGE = base64.b64encode(b"an image").decode("ascii")


def cultures_of(body: dict[str, Any]) -> list[str]:
    return [r["analysis"]["bentham"]["culture"]["name"] for r in body["results"]]


async def test_a_body_culture_reaches_the_model_and_the_result() -> None:
    async with serving(max_wait_ms=1.0) as s:
        one = await s.client.post("/v1/analyze", json={"text": "a", "culture": "korean"})
        many = await s.client.post("/v1/analyze", json={"texts": ["b", "c"], "culture": "eastern"})
        default = await s.client.post("/v1/analyze", json={"text": "d"})
    assert one.status_code == many.status_code == default.status_code == 200
    assert cultures_of(one.json()) == ["korean"]
    assert cultures_of(many.json()) == ["eastern", "eastern"]
    # Left out: None reaches the model, which applies the server's serve.culture.
    assert cultures_of(default.json()) == ["none"]
    assert s.fake.culture_batches == [["korean"], ["eastern", "eastern"], [None]]


async def test_requests_of_different_cultures_share_one_batch() -> None:
    import asyncio

    # A batch closes at 2 texts (or after 5 s): the two requests go in one model call.
    async with serving(max_batch_size=2, max_wait_ms=5000.0) as s:
        bodies = [{"text": "x", "culture": "western"}, {"text": "y", "culture": "korean"}]
        answers = await asyncio.gather(*(s.client.post("/v1/analyze", json=b) for b in bodies))
    assert [cultures_of(a.json()) for a in answers] == [["western"], ["korean"]]
    (batch,) = s.fake.batches
    assert sorted(batch) == ["x", "y"]
    expected = {"x": "western", "y": "korean"}
    assert s.fake.culture_batches == [[expected[text] for text in batch]]


async def test_items_take_their_own_culture_over_the_body_s() -> None:
    body = {
        "items": [
            {"text": "a", "culture": "eastern"},
            {"text": "b"},
            {"image": IMAGE},
        ],
        "culture": "western",
    }
    async with serving(FakeMultimodal(), max_wait_ms=1.0) as s:
        response = await s.client.post("/v1/analyze", json=body)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["analysis"]["bentham"]["culture"]["name"] for r in results[:2]] == [
        "eastern",
        "western",
    ]
    assert s.fake.culture_batches == [["eastern", "western"]]


@pytest.mark.parametrize(
    ("body", "where", "index"),
    [
        ({"text": "a", "culture": "martian"}, "culture: 'martian' is not a culture", None),
        ({"texts": ["a"], "culture": 7}, "culture: 7 is not a culture", None),
        (
            {"items": [{"text": "a"}, {"text": "b", "culture": "French"}]},
            "items[1].culture: 'French' is not a culture",
            1,
        ),
        (
            {"items": [{"image": IMAGE, "culture": "korean"}]},
            "items[0].culture reweights the text's Bentham utility; this item has no text",
            0,
        ),
        ({"image": IMAGE, "culture": "korean"}, "the body has no text", None),
    ],
)
async def test_an_unknown_culture_is_422_naming_the_field(
    body: dict[str, Any], where: str, index: int | None
) -> None:
    async with serving(FakeMultimodal()) as s:
        response = await s.client.post("/v1/analyze", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert where in error["message"]
    assert error.get("index") == index
    assert s.fake.batches == []  # refused before any model work


async def test_the_model_s_own_refusal_names_the_field() -> None:
    class NoBentham(FakeOrchestrator):
        def check_request_culture(self, culture: object, key: str = "culture") -> str:
            if culture != "none":
                raise ValueError(f"{key}={culture!r} reweights the Bentham utility, but ...")
            return "none"

    async with serving(NoBentham()) as s:
        response = await s.client.post("/v1/analyze", json={"text": "a", "culture": "korean"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("culture='korean' reweights")


async def test_the_openapi_body_lists_the_cultures() -> None:
    async with serving() as s:
        schema = (await s.client.get("/openapi.json")).json()
    body = schema["paths"]["/v1/analyze"]["post"]["requestBody"]["content"]["application/json"]
    for variant in body["schema"]["oneOf"]:
        assert variant["properties"]["culture"]["enum"] == ["none", "western", "eastern", "korean"]


async def test_mcp_tools_take_a_culture() -> None:
    fake = FakeMultimodal()
    service = AnalysisService(fake, ServeSettings(max_wait_ms=1.0))
    await service.start()
    try:
        async with Client(build_mcp_server(service)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            one = await client.call_tool("analyze_text", {"text": "a", "culture": "korean"})
            many = await client.call_tool(
                "analyze_texts", {"texts": ["b", "c"], "culture": "western"}
            )
            items = await client.call_tool(
                "analyze_items",
                {"items": [{"text": "d", "culture": "eastern"}, {"text": "e"}], "culture": "none"},
            )
            bad = await client.call_tool("analyze_text", {"text": "a", "culture": "martian"})
            bad_item = await client.call_tool(
                "analyze_items", {"items": [{"text": "a", "culture": "martian"}]}
            )
    finally:
        await service.stop()
    for name in ("analyze_text", "analyze_texts", "analyze_items"):
        assert "culture" in tools[name].input_schema["properties"], name
    assert cultures_of(one.structured_content) == ["korean"]  # type: ignore[arg-type]
    assert cultures_of(many.structured_content) == ["western", "western"]  # type: ignore[arg-type]
    assert cultures_of(items.structured_content) == ["eastern", "none"]  # type: ignore[arg-type]
    # The SDK checks the enum from the signature; an item's culture is checked by the
    # request decoder, as over HTTP.
    assert bad.is_error
    assert "culture" in bad.content[0].text  # type: ignore[union-attr]
    assert bad_item.is_error
    assert "invalid_request: items[0].culture: 'martian' is not a culture" in (
        bad_item.content[0].text  # type: ignore[union-attr]
    )
