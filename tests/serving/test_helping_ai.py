"""The optional LLM helper (``serve.helping_ai``), against the fake OpenAI-compatible server.

Each test compares a result with the helper to the same text's result without it: the
analysis must be the model's, whatever the LLM does.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from mcp import Client
from omegaconf import DictConfig
from tests.llm.conftest import SECRET, fast_llm
from tests.llm.fake_llm import INVALID_JSON, SCHEMA_VIOLATION, FakeLLM, Slow, Status
from tests.serving.fakes import FakeOrchestrator, fake_result
from tests.serving.harness import serving

from redheart_lit.inference.result import response_model
from redheart_lit.llm.helper import PROMPT_VERSION, SCHEMA_NAME
from redheart_lit.paths import config_dir
from redheart_lit.serving import ServeSettings
from redheart_lit.serving.helping_ai import HelpingAI
from redheart_lit.serving.main import load_helper, settings_from_config
from redheart_lit.serving.mcp_tools import build_mcp_server
from redheart_lit.serving.service import AnalysisService

pytestmark = pytest.mark.anyio

TEXT = "I kept the extra change the cashier gave me."
OTHER = "My friend drove me to the airport at 5 am."


@pytest.fixture
def llm_server() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


def make_helper(server: FakeLLM, timeout_s: float = 2.0, cache_size: int = 0,
                **llm: Any) -> HelpingAI:  # fmt: skip
    return HelpingAI(fast_llm(server.base_url, **llm), SECRET, timeout_s, cache_size)


async def analyze(helper: HelpingAI | None, *texts: str, **settings: Any) -> httpx.Response:
    payload = {"texts": list(texts)}
    async with serving(FakeOrchestrator(), helper=helper, **settings) as s:
        return await s.client.post("/v1/analyze", json=payload)


def without_helper(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "helping_ai"}


def assert_analysis_untouched(body: dict[str, Any], texts: tuple[str, ...]) -> None:
    """Each result, less its helping_ai section, is the model's result without the helper."""
    for result, text in zip(body["results"], texts, strict=True):
        assert without_helper(result) == fake_result(text, "fake-0001")


async def test_off_by_default_no_section() -> None:
    assert ServeSettings().helping_ai is False
    response = await analyze(None, TEXT)
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert "helping_ai" not in result
    assert result == fake_result(TEXT, "fake-0001")


async def test_valid_answer_adds_context_and_counterfactual(llm_server: FakeLLM) -> None:
    response = await analyze(make_helper(llm_server), TEXT, OTHER)
    assert response.status_code == 200
    body = response.json()
    response_model().model_validate(body)  # the published schema holds the section
    assert_analysis_untouched(body, (TEXT, OTHER))
    section = body["results"][0]["helping_ai"]
    assert section == {
        "model": "fake-model",
        "prompt_version": PROMPT_VERSION,
        "context": {
            "agent": "the author",
            "act": "thanked a friend",
            "affected": ["the friend"],
            "consequences": ["the friend felt appreciated"],
        },
        "counterfactual": "I could have asked first.",
        "error": None,
    }
    # One request per text, with the helper's own schema, the key sent to llm.base_url.
    (request,) = llm_server.requests_for(TEXT)
    assert request.body["response_format"]["json_schema"]["name"] == SCHEMA_NAME
    assert request.headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ([INVALID_JSON, INVALID_JSON], "invalid answer after 2 attempt(s)"),
        ([SCHEMA_VIOLATION, SCHEMA_VIOLATION], "regret: Extra inputs are not permitted"),
        ([Status(500), Status(500)], "HTTP 500 from the server; gave up after 2 attempt(s)"),
        ([Slow(1.5)], "no answer within serve.helping_ai_timeout_s=0.4 s"),
    ],
    ids=["invalid_json", "schema_violation", "http_500", "slow"],
)
async def test_failures_give_an_error_and_the_model_analysis(
    llm_server: FakeLLM, steps: list[Any], error: str
) -> None:
    llm_server.script(TEXT, steps)
    helper = make_helper(llm_server, timeout_s=0.4, max_retries=1, transport_retries=1)
    response = await analyze(helper, TEXT, OTHER)
    assert response.status_code == 200
    body = response.json()
    assert_analysis_untouched(body, (TEXT, OTHER))
    failed, fine = (r["helping_ai"] for r in body["results"])
    assert error in failed["error"]
    assert failed["context"] is None
    assert failed["counterfactual"] is None
    assert fine["error"] is None
    assert fine["context"] is not None


async def test_invalid_answer_is_asked_again_with_the_errors(llm_server: FakeLLM) -> None:
    llm_server.script(TEXT, [SCHEMA_VIOLATION])
    body = (await analyze(make_helper(llm_server, max_retries=1), TEXT)).json()
    assert body["results"][0]["helping_ai"]["error"] is None
    _first, second = llm_server.requests_for(TEXT)
    assert "does not validate" in second.body["messages"][-1]["content"]


async def test_budget_exhausted_gives_the_error_field(llm_server: FakeLLM) -> None:
    # The fake reports 150 tokens per answer: the first text spends the whole cap.
    helper = make_helper(llm_server, max_tokens_total=150)
    first = (await analyze(helper, TEXT)).json()["results"][0]["helping_ai"]
    assert first["error"] is None
    helper = make_helper(llm_server, max_tokens_total=150)
    helper.budget.prompt_tokens = 150  # as after the first request, in a new server
    body = (await analyze(helper, OTHER)).json()
    assert_analysis_untouched(body, (OTHER,))
    error = body["results"][0]["helping_ai"]["error"]
    assert error.startswith("budget exhausted: token cap reached: 150 >= llm.max_tokens_total=150")
    assert llm_server.requests_for(OTHER) == []  # nothing sent past the cap


async def test_a_repeated_text_is_asked_once(llm_server: FakeLLM) -> None:
    helper = make_helper(llm_server, cache_size=8)
    async with serving(FakeOrchestrator(), helper=helper) as s:
        for _ in range(2):
            body = (await s.client.post("/v1/analyze", json={"texts": [TEXT, TEXT]})).json()
            assert [r["helping_ai"]["error"] for r in body["results"]] == [None, None]
    assert len(llm_server.requests_for(TEXT)) == 1


async def test_the_key_is_never_in_a_response_or_a_log_line(
    llm_server: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    # A server that echoes the key in its error message (some do, for a wrong key).
    llm_server.script(TEXT, [Status(401, message=f"invalid key {SECRET}")])
    caplog.set_level(logging.DEBUG)
    response = await analyze(make_helper(llm_server), TEXT)
    error = response.json()["results"][0]["helping_ai"]["error"]
    assert "HTTP 401" in error
    assert "[REDACTED]" in error
    assert SECRET not in response.text
    assert SECRET not in caplog.text
    assert_analysis_untouched(response.json(), (TEXT,))


async def test_mcp_results_carry_the_section(llm_server: FakeLLM) -> None:
    service = AnalysisService(
        FakeOrchestrator(), ServeSettings(helping_ai=True), helper=make_helper(llm_server)
    )
    await service.start()
    try:
        async with Client(build_mcp_server(service)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            result = await client.call_tool("analyze_text", {"text": TEXT})
    finally:
        await service.stop()
    schema = json.dumps(tools["analyze_text"].output_schema)
    assert "helping_ai" in schema
    assert not result.is_error
    assert result.structured_content is not None
    (item,) = result.structured_content["results"]
    assert item["helping_ai"]["counterfactual"] == "I could have asked first."


# -- configuration -------------------------------------------------------------------------


def compose(overrides: list[str]) -> DictConfig:
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return hydra_compose("serve", overrides=overrides, return_hydra_config=True)


def test_helper_needs_an_llm() -> None:
    cfg = compose(["ckpt=x", "serve.helping_ai=true"])
    with pytest.raises(ValueError, match=r"llm\.base_url and llm\.model"):
        load_helper(cfg, settings_from_config(cfg.serve))


def test_off_builds_no_helper_and_reads_no_llm() -> None:
    cfg = compose(["ckpt=x"])
    assert load_helper(cfg, settings_from_config(cfg.serve)) is None


def test_helper_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDHEART_LLM_API_KEY", SECRET)
    cfg = compose(["ckpt=x", "serve.helping_ai=true", "llm=vllm", "llm.model=m",
                   "llm.max_tokens_total=5000"])  # fmt: skip
    helper = load_helper(cfg, settings_from_config(cfg.serve))
    assert helper is not None
    assert helper.llm.base_url == "http://127.0.0.1:8000/v1"
    assert helper.budget.max_tokens == 5000
    assert helper.timeout_s == 5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"helping_ai": "yes"}, "serve.helping_ai='yes'"),
        ({"helping_ai_timeout_s": 0}, "serve.helping_ai_timeout_s=0 must be > 0"),
        ({"helping_ai": True, "helping_ai_timeout_s": 10, "request_timeout_s": 10},
         "serve.helping_ai_timeout_s=10 must be below serve.request_timeout_s=10"),
    ],
)  # fmt: skip
def test_bad_helper_settings_name_their_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError)) as caught:
        ServeSettings(**changes)
    assert message in str(caught.value)


def test_no_key_over_plain_http_to_another_host() -> None:
    llm = fast_llm("http://10.1.2.3:8000/v1")
    with pytest.raises(ValueError, match="unencrypted"):
        HelpingAI(llm, SECRET, 1.0)


def test_serving_never_imports_the_labeller() -> None:
    code = (
        "import sys, redheart_lit.serving.app, redheart_lit.serving.main, "
        "redheart_lit.serving.helping_ai; "
        "bad = sorted(m for m in sys.modules if m.startswith('redheart_lit.label')); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
