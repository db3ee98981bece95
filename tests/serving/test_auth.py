"""Bearer-token auth: where the token comes from, the 401s, and the loopback rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.serving.fakes import FakeOrchestrator
from tests.serving.harness import serving

from redheart_lit.serving import ServeSettings, create_app
from redheart_lit.serving.auth import (
    TOKEN_ENV,
    AuthConfigError,
    check_bind,
    is_loopback,
    load_token,
    token_matches,
)

TOKEN = "s3cret-token"


def test_no_token_configured() -> None:
    assert load_token(None, {}) is None


def test_token_from_env() -> None:
    assert load_token(None, {TOKEN_ENV: TOKEN}) == TOKEN


def test_token_file_loses_its_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\r\n")
    assert load_token(str(path), {}) == TOKEN


@pytest.mark.parametrize("content", ["", "\n", "  \n"])
def test_empty_token_file_is_an_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "token"
    path.write_text(content)
    with pytest.raises(AuthConfigError, match=f"serve.token_file={path} is empty"):
        load_token(str(path), {})


def test_missing_token_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent"
    with pytest.raises(AuthConfigError, match=f"serve.token_file={path}: cannot read"):
        load_token(str(path), {})


def test_env_and_file_together_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN)
    with pytest.raises(AuthConfigError, match="set only one"):
        load_token(str(path), {TOKEN_ENV: TOKEN})


def test_empty_env_token_is_an_error() -> None:
    with pytest.raises(AuthConfigError, match=f"\\${TOKEN_ENV} is set but empty"):
        load_token(None, {TOKEN_ENV: ""})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_non_loopback_without_token_refuses_to_start() -> None:
    with pytest.raises(AuthConfigError, match=r"serve\.host=0\.0\.0\.0 is not a loopback address"):
        check_bind("0.0.0.0", None)
    with pytest.raises(AuthConfigError, match="not a loopback"):
        create_app(FakeOrchestrator(), ServeSettings(host="0.0.0.0"))
    check_bind("0.0.0.0", TOKEN)
    check_bind("127.0.0.1", None)


def test_token_matches() -> None:
    assert token_matches(f"Bearer {TOKEN}", TOKEN)
    assert token_matches(f"bearer {TOKEN}", TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches(f"Basic {TOKEN}", TOKEN)
    assert not token_matches(f"Bearer {TOKEN}x", TOKEN)
    assert not token_matches("Bearer ", TOKEN)
    assert not token_matches("Bearer résumé", TOKEN)  # non-ASCII must not crash the compare


@pytest.mark.anyio
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/analyze"), ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/docs"),
     ("POST", "/mcp"), ("GET", "/nope")],
)  # fmt: skip
async def test_every_route_but_health_needs_the_token(
    header: str | None, method: str, path: str
) -> None:
    headers = {"Authorization": header} if header else {}
    async with serving(token=TOKEN) as s:
        response = await s.client.request(method, path, json={"text": "a"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]["code"] == "unauthorized"
        assert s.fake.batches == []


@pytest.mark.anyio
async def test_health_is_open_and_the_right_token_passes() -> None:
    async with serving(token=TOKEN) as s:
        assert (await s.client.get("/health")).status_code == 200
        auth = {"Authorization": f"Bearer {TOKEN}"}
        response = await s.client.post("/v1/analyze", json={"text": "a"}, headers=auth)
        assert response.status_code == 200
        assert (await s.client.get("/ready", headers=auth)).status_code == 200
        metrics = (await s.client.get("/metrics", headers=auth)).text
    assert 'redheart_http_requests_total{route="/v1/analyze",status="200"} 1.0' in metrics
