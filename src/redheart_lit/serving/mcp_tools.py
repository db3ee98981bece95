"""The model as MCP tools: ``analyze_text(text, image?, audio?, biosignals?, culture?)``,
``analyze_texts(texts, culture?)`` and ``analyze_items(items, culture?)``.

``culture`` (``none|western|eastern|korean``; left out: the server's ``serve.culture``)
is the cultural weighting of the Bentham utility, as in ``POST /v1/analyze``; the SDK
checks it against the :data:`~redheart_lit.ethics.culture.Culture` enum it publishes in
the tool's input schema, and each item of ``analyze_items`` may carry its own.

The media fields are those of ``POST /v1/analyze``: base64 ``image`` and ``audio``, and
``biosignals`` as ``{"ecg": [...], "sampling_rate": 500, ...}``; ``text`` may be left out
when a medium is given.

Built with the official SDK's ``MCPServer`` (mcp 2.x; ``FastMCP`` in 1.x). The tools go
through the same :class:`AnalysisService` as ``POST /v1/analyze`` — same validation,
same batcher, same deadline — and return the same envelope, so a client sees one
schema whichever door it uses. The server is reachable over streamable HTTP (mounted at
``/mcp`` of the app, behind the same token) and over stdio (``serve.transport=stdio``).
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from redheart_lit.ethics.culture import Culture
from redheart_lit.inference.result import response_model
from redheart_lit.serving.errors import ServeError
from redheart_lit.serving.request import build_request
from redheart_lit.serving.service import AnalysisService

INSTRUCTIONS = (
    "Analyzes English or Korean text with the redheart multitask model: GoEmotions "
    "emotion probabilities, Bentham ethics factors, regret potential and SURD causal "
    "shares. Each result is under `results`, in input order; `model_version` names the "
    "weights that produced them."
)
# Reading texts changes nothing and calls nothing outside the server.
_ANNOTATIONS = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def build_mcp_server(service: AnalysisService) -> MCPServer:
    """An MCPServer whose tools analyze texts through ``service``.

    The tools' output schema is the typed result (``inference/result.py``): the SDK
    publishes it as ``outputSchema`` and checks every answer against it.
    """
    server: MCPServer = MCPServer(
        name="redheart", instructions=INSTRUCTIONS, version=service.version
    )
    max_chars = service.analyzer.config.max_chars
    max_texts = service.settings.max_texts
    response = response_model()

    async def analyze_text(
        text: str | None = None,
        image: str | None = None,
        audio: str | None = None,
        biosignals: dict[str, Any] | None = None,
        culture: Culture | None = None,
    ) -> Any:
        fields = {
            "text": text,
            "image": image,
            "audio": audio,
            "biosignals": biosignals,
            "culture": culture,
        }
        return await _analyze(
            service, {k: v for k, v in fields.items() if v is not None}, max_texts
        )

    async def analyze_items(items: list[dict[str, Any]], culture: Culture | None = None) -> Any:
        payload: dict[str, Any] = {"items": items}
        return await _analyze(service, payload | _given(culture=culture), max_texts)

    async def analyze_texts(texts: list[str], culture: Culture | None = None) -> Any:
        return await _analyze(service, {"texts": texts} | _given(culture=culture), max_texts)

    # The return type is set here: the model is built from the registered tasks.
    analyze_text.__annotations__["return"] = response
    analyze_texts.__annotations__["return"] = response
    analyze_items.__annotations__["return"] = response

    server.add_tool(
        analyze_text,
        title="Analyze one text",
        description=(
            f"Analyze one text (1 to {max_chars} characters), optionally with a face image "
            "(base64), speech audio (base64) and biosignals ({'ecg': [...], "
            "'sampling_rate': Hz, ...}); text may be omitted when one of those is given. "
            "culture (none, western, eastern, korean) reweights the Bentham utility; "
            "left out, the server's. "
            'Returns {"results": [<one result>], "model_version": "..."}.'
        ),
        annotations=_ANNOTATIONS,
    )
    server.add_tool(
        analyze_texts,
        title="Analyze several texts",
        description=(
            f"Analyze 1 to {max_texts} texts (each 1 to {max_chars} characters) in one call, "
            "optionally with one culture (none, western, eastern, korean) for all. "
            'Returns {"results": [...], "model_version": "..."}, one result per text, in order.'
        ),
        annotations=_ANNOTATIONS,
    )
    server.add_tool(
        analyze_items,
        title="Analyze several multimodal items",
        description=(
            f"Analyze 1 to {max_texts} items, each an object with optional text, image "
            "(base64), audio (base64) and biosignals, at least one of them, and an "
            "optional culture of its own (else the call's culture, else the server's). Returns "
            '{"results": [...], "model_version": "..."}, one result per item, in order.'
        ),
        annotations=_ANNOTATIONS,
    )
    return server


def _given(**fields: Any) -> dict[str, Any]:
    """The fields that were given (not None)."""
    return {k: v for k, v in fields.items() if v is not None}


async def _analyze(
    service: AnalysisService, payload: dict[str, Any], max_texts: int
) -> dict[str, Any]:
    try:
        request = build_request(payload, max_texts=max_texts)
        results = await service.analyze(request)
    except ServeError as err:
        # A ToolError reaches the model as an is_error result carrying this text.
        raise ToolError(f"{err.code}: {err.message}") from None
    return {"results": results, "model_version": service.version}
