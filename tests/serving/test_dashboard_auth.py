"""Signing in to /dashboard: the token is traded for a session cookie and leaves every URL
and every log line (serving/dashboard_auth.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from http.cookies import SimpleCookie

import httpx
import pytest
import uvicorn
from tests.serving.fakes import FakeOrchestrator
from tests.serving.harness import serving

from redheart_lit.serving.app import create_app
from redheart_lit.serving.dashboard_auth import (
    COOKIE_NAME,
    MAX_FORM_BYTES,
    DashboardSessions,
    RedactTokenFilter,
    redact_token,
)
from redheart_lit.serving.listen import bind_socket, url_of
from redheart_lit.serving.main import uvicorn_config
from redheart_lit.serving.settings import ServeSettings

TOKEN = "s3cret-token"


def _cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """The Set-Cookie headers of ``response`` by their Path attribute."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        out[cookie[COOKIE_NAME]["path"]] = cookie
    return out


def _assert_session_redirect(response: httpx.Response, *, secure: bool = False) -> str:
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"  # the token is not carried along
    cookies = _cookies(response)
    assert set(cookies) == {"/dashboard", "/v1/stats"}  # scoped to the two paths
    for header in response.headers.get_list("set-cookie"):
        assert "HttpOnly" in header
        assert "SameSite=strict" in header
        assert ("Secure" in header) == secure
    values = {c[COOKIE_NAME].value for c in cookies.values()}
    (value,) = values
    assert TOKEN not in value  # the cookie holds a signed timestamp, not the token
    assert all(TOKEN not in v for v in response.headers.values())
    return value


@pytest.mark.anyio
async def test_without_credentials_the_page_is_a_sign_in_form() -> None:
    async with serving(token=TOKEN) as served:
        page = await served.client.get("/dashboard")
        assert page.status_code == 401
        assert '<form method="post" action="/dashboard">' in page.text
        assert "form-action 'self'" in page.headers["content-security-policy"]
        assert "script-src" not in page.headers["content-security-policy"]  # no script
        assert page.headers["x-frame-options"] == "DENY"
        wrong = await served.client.get("/dashboard?token=wrong")
        assert wrong.status_code == 401
        assert "wrong token" in wrong.text
        assert not wrong.headers.get_list("set-cookie")
        # /v1/stats is an API: a JSON 401, not a page.
        stats = await served.client.get("/v1/stats")
        assert stats.status_code == 401
        assert stats.json()["error"]["code"] == "unauthorized"


@pytest.mark.anyio
async def test_a_token_link_is_traded_for_a_cookie_scoped_to_the_dashboard() -> None:
    async with serving(token=TOKEN) as served:
        client = served.client
        value = _assert_session_redirect(await client.get(f"/dashboard?token={TOKEN}"))
        # The client's cookie jar now holds it for /dashboard and /v1/stats.
        page = await client.get("/dashboard")
        assert page.status_code == 200
        assert "redheart_lit · live server" in page.text
        assert (await client.get("/v1/stats")).json()["requests"]["total"] == 0
        # No other route takes the cookie, even when it is sent there on purpose.
        cookie = {"Cookie": f"{COOKIE_NAME}={value}"}
        assert (await client.get("/metrics", headers=cookie)).status_code == 401
        response = await client.post("/v1/analyze", json={"text": "a"}, headers=cookie)
        assert response.status_code == 401
        assert served.fake.batches == []
        # The query string is not a credential anywhere else either.
        client.cookies.clear()
        assert (await client.get(f"/v1/stats?token={TOKEN}")).status_code == 401


@pytest.mark.anyio
async def test_the_form_posts_the_token_in_the_body() -> None:
    async with serving(token=TOKEN) as served:
        client = served.client
        _assert_session_redirect(await client.post("/dashboard", data={"token": TOKEN}))
        assert (await client.get("/v1/stats")).status_code == 200
        wrong = await client.post("/dashboard", data={"token": "nope"})
        assert wrong.status_code == 401
        assert "wrong token" in wrong.text
        empty = await client.post("/dashboard", data={"token": ""})
        assert empty.status_code == 401


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"token": "x"}', "application/json", "application/x-www-form-urlencoded"),
        (b"token=" + b"x" * MAX_FORM_BYTES, "application/x-www-form-urlencoded", "over 4096"),
        (b"token=%ff", "application/x-www-form-urlencoded", "not valid form encoding"),
        (b"token=\xff", "application/x-www-form-urlencoded", "not valid form encoding"),
        (b"token=a&token=b", "application/x-www-form-urlencoded", "one 'token' field, got 2"),
        (b"other=a", "application/x-www-form-urlencoded", "one 'token' field, got 0"),
    ],
)
async def test_a_bad_sign_in_body_is_a_clear_400(
    body: bytes, content_type: str, message: str
) -> None:
    async with serving(token=TOKEN) as served:
        response = await served.client.post(
            "/dashboard", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 400
        assert message in response.json()["error"]["message"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "messages", "problem"),
    [
        # Chunked (no Content-Length): the chunks are counted as they come.
        ([], [b"token=", b"x" * MAX_FORM_BYTES], f"over {MAX_FORM_BYTES} bytes"),
        ([(b"content-length", b"12x")], [b"token=a"], "Content-Length '12x' is not a byte count"),
        ([], None, "the client disconnected"),
    ],
)
async def test_a_sign_in_body_is_read_bounded(
    headers: list[tuple[bytes, bytes]], messages: list[bytes] | None, problem: str
) -> None:
    form = [(b"content-type", b"application/x-www-form-urlencoded"), *headers]
    scope = {"type": "http", "path": "/dashboard", "method": "POST", "headers": form}
    queue = [{"type": "http.disconnect"}] if messages is None else [
        {"type": "http.request", "body": chunk, "more_body": i < len(messages) - 1}
        for i, chunk in enumerate(messages)
    ]  # fmt: skip

    async def receive() -> dict:
        return queue.pop(0)

    response = await DashboardSessions(TOKEN).sign_in(scope, receive)
    assert response.status_code == 400
    assert problem in response.body.decode()


@pytest.mark.anyio
async def test_over_https_the_cookie_is_secure() -> None:
    async with serving(token=TOKEN) as served:
        response = await served.client.get(f"https://127.0.0.1:8000/dashboard?token={TOKEN}")
        _assert_session_redirect(response, secure=True)


def _scope(path: str, cookie: str) -> dict:
    return {"type": "http", "path": path, "method": "GET",
            "headers": [(b"cookie", f"{COOKIE_NAME}={cookie}".encode())]}  # fmt: skip


@pytest.mark.anyio
async def test_only_a_fresh_cookie_signed_with_this_token_passes() -> None:
    sessions = DashboardSessions(TOKEN)
    response = await sessions.sign_in(
        {"type": "http", "path": "/dashboard", "method": "GET",
         "query_string": f"token={TOKEN}".encode(), "headers": []},
        None,  # type: ignore[arg-type]  # a GET sign-in reads no body
    )  # fmt: skip
    value = SimpleCookie(response.headers["set-cookie"])[COOKIE_NAME].value
    assert sessions.accepts_cookie(_scope("/dashboard", value))
    assert sessions.accepts_cookie(_scope("/v1/stats", value))
    assert not sessions.accepts_cookie(_scope("/metrics", value))
    assert not sessions.accepts_cookie(_scope("/dashboard", value[:-1] + "A"))  # tampered
    assert not DashboardSessions("another-token").accepts_cookie(_scope("/dashboard", value))
    # Past its age the server refuses it, whatever the browser still sends.
    time.sleep(1.1)
    assert not DashboardSessions(TOKEN, max_age_s=0).accepts_cookie(_scope("/dashboard", value))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /dashboard?token=abc HTTP/1.1", "GET /dashboard?token=[redacted] HTTP/1.1"),
        ("/dashboard?x=1&token=abc&y=2", "/dashboard?x=1&token=[redacted]&y=2"),
        ("/dashboard?tok%65n=abc", "/dashboard?tok%65n=[redacted]"),  # as the server decodes
        ("/dashboard?access_token=abc", "/dashboard?access_token=abc"),
        ("/v1/analyze", "/v1/analyze"),
    ],
)
def test_redact_token(line: str, expected: str) -> None:
    assert redact_token(line) == expected


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.anyio
async def test_the_access_log_never_shows_the_token() -> None:
    """A real uvicorn with serve.access_log=true, configured as serve.py does."""
    settings = ServeSettings(access_log=True)
    app = create_app(FakeOrchestrator(), settings, token=TOKEN)
    server = uvicorn.Server(uvicorn_config(app, settings))
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactTokenFilter) for f in access.filters)
    lines, level, propagate = _Lines(), access.level, access.propagate
    access.addHandler(lines)
    access.setLevel(logging.INFO)
    sock = bind_socket("127.0.0.1", 0)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=url_of(sock)) as client:
            assert (await client.get(f"/dashboard?token={TOKEN}")).status_code == 303
            assert (await client.get(f"/dashboard?tok%65n={TOKEN}")).status_code == 303
            assert (await client.post("/dashboard", data={"token": TOKEN})).status_code == 303
            assert (await client.get("/v1/stats")).status_code == 200
    finally:
        server.should_exit = True
        await task
        sock.close()
        access.removeHandler(lines)
        access.setLevel(level)
        access.propagate = propagate
    assert any('"GET /dashboard?token=[redacted] HTTP/1.1" 303' in line for line in lines.lines)
    assert any('"POST /dashboard HTTP/1.1" 303' in line for line in lines.lines)
    assert any('"GET /v1/stats HTTP/1.1" 200' in line for line in lines.lines)
    assert not [line for line in lines.lines if TOKEN in line]
