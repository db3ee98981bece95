"""Bearer-token auth: where the token comes from, when one is required, and the check.

The token is read from ``$REDHEART_API_TOKEN`` or from the file ``serve.token_file``
(one of the two, not both, so it is never a guess which one is in force). Once a token is
set, every route except ``/health`` (the liveness probe) needs ``Authorization: Bearer
<token>``; the dashboard page and its ``/v1/stats`` also take the session cookie a browser
gets by signing in (``dashboard_auth.py``). Binding to anything but loopback without a
token is refused at start-up: an open model endpoint on a network is a mistake nobody
should make by omission.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from redheart_lit.netaddr import is_loopback
from redheart_lit.serving.dashboard_auth import DASHBOARD_PATH, DashboardSessions
from redheart_lit.serving.errors import UnauthorizedError

TOKEN_ENV = "REDHEART_API_TOKEN"
# Liveness must answer without credentials: orchestrators probe it unauthenticated.
OPEN_PATHS = frozenset({"/health"})


class AuthConfigError(ValueError):
    """The token configuration is unusable; the message names the variable or file."""


def load_token(token_file: str | None, environ: Mapping[str, str]) -> str | None:
    """The configured token, or None when neither the env variable nor a file is set."""
    from_env = environ.get(TOKEN_ENV)
    if from_env is not None and token_file is not None:
        raise AuthConfigError(
            f"both ${TOKEN_ENV} and serve.token_file={token_file} are set; set only one"
        )
    if from_env is not None:
        token = from_env.rstrip("\r\n")
        if not token.strip():
            raise AuthConfigError(f"${TOKEN_ENV} is set but empty; unset it or give a token")
        return token
    if token_file is None:
        return None
    path = Path(token_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AuthConfigError(f"serve.token_file={path}: cannot read the token ({err})") from None
    # Editors and `echo` add a trailing newline; it is not part of the token.
    token = text.rstrip("\r\n")
    if not token.strip():
        raise AuthConfigError(f"serve.token_file={path} is empty; put the token on its first line")
    return token


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback address without a token."""
    if token is None and not is_loopback(host):
        raise AuthConfigError(
            f"serve.host={host} is not a loopback address and no API token is configured; "
            f"set ${TOKEN_ENV} or serve.token_file, or bind serve.host=127.0.0.1"
        )


def token_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token``, compared in constant time."""
    if header is None:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


class BearerAuthMiddleware:
    """ASGI middleware answering 401 to any HTTP request without the token (but /health).

    The dashboard's sign-in (``POST /dashboard``, ``GET /dashboard?token=``) and its session
    cookie are handled by :class:`DashboardSessions`.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.sessions = DashboardSessions(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if self.sessions.is_sign_in(scope):
            response = await self.sessions.sign_in(scope, receive)
            await response(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        if token_matches(header, self.token) or self.sessions.accepts_cookie(scope):
            await self.app(scope, receive, send)
            return
        if scope["path"] == DASHBOARD_PATH:
            # A person with a browser: the sign-in form rather than a JSON error.
            await self.sessions.login_page()(scope, receive, send)
            return
        reason = "missing bearer token" if header is None else "wrong bearer token"
        error = UnauthorizedError(f"{reason}; send 'Authorization: Bearer <token>'")
        body = json.dumps(error.body()).encode()
        await send({
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="redheart"'),
            ],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None
