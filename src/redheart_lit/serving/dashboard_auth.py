"""How a browser signs in to ``/dashboard`` without the API token staying in a URL.

A browser cannot add an ``Authorization`` header when it opens a page, and a token in a
URL leaks: into the browser's history, a proxy's logs, an access log. So the page trades
the token for a cookie once:

* ``GET /dashboard`` without credentials answers 401 with a small sign-in page. Its form
  POSTs the token to ``/dashboard`` in the request body: it never appears in a URL.
* ``GET /dashboard?token=<token>`` (a link printed by a script, as Jupyter does) also
  works. The token is in that one request line, so the server's own access log
  (``serve.access_log=true``) redacts it (:class:`RedactTokenFilter`); a proxy in front of
  the server may still log it, which is why the form is the way to sign in there.
* Either answers ``303 See Other`` to ``/dashboard`` (the token is gone from the address
  bar and from the history entry) with a session cookie: ``HttpOnly`` (the page's script
  cannot read it), ``SameSite=Strict`` (no other site's page sends it), ``Secure`` when
  the request came over https, and scoped to the two paths that accept it,
  ``/dashboard`` and ``/v1/stats``. Every other route takes the header only.

The cookie holds no token: it is a timestamp signed with the token by itsdangerous'
``TimestampSigner`` (HMAC-SHA256), so it grants the dashboard for ``SESSION_MAX_AGE_S``
and nothing else, and a new token invalidates every session.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
from importlib.resources import files
from urllib.parse import parse_qs, unquote_plus

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import Receive, Scope

from redheart_lit.serving.body import read_body
from redheart_lit.serving.errors import BadRequestError, BodyTooLargeError

DASHBOARD_PATH = "/dashboard"
STATS_PATH = "/v1/stats"
# The paths the session cookie is sent to, and the only ones that accept it.
COOKIE_PATHS = (DASHBOARD_PATH, STATS_PATH)
COOKIE_NAME = "redheart_dashboard"
# A working day: then the browser drops the cookie and the server refuses it.
SESSION_MAX_AGE_S = 12 * 3600
# The sign-in form holds one token; a bigger body is not a sign-in.
MAX_FORM_BYTES = 4096
LOGIN_PAGE = "dashboard_login.html"
# Headers of both pages: not framed by another site (no clickjacking of the form).
PAGE_HEADERS = {"X-Frame-Options": "DENY", "Cache-Control": "no-store"}


class DashboardSessions:
    """Issues and checks the dashboard's session cookie for one API token."""

    def __init__(self, token: str, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self.token = token
        self.max_age_s = max_age_s
        self._signer = TimestampSigner(
            token, salt="redheart-dashboard-session", digest_method=hashlib.sha256
        )
        # Read once: a missing file fails at start-up, not at the first sign-in.
        page = files("redheart_lit.serving").joinpath("static", LOGIN_PAGE)
        self._login_page = page.read_text(encoding="utf-8")

    def accepts_cookie(self, scope: Scope) -> bool:
        """A GET of ``/dashboard`` or ``/v1/stats`` carrying a valid, unexpired session."""
        if scope["path"] not in COOKIE_PATHS or scope.get("method") != "GET":
            return False
        value = Request(scope).cookies.get(COOKIE_NAME)
        if value is None:
            return False
        try:
            self._signer.unsign(value, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return False
        return True

    def is_sign_in(self, scope: Scope) -> bool:
        """``POST /dashboard`` (the form) or ``GET /dashboard?token=...`` (a link)."""
        if scope["path"] != DASHBOARD_PATH:
            return False
        if scope.get("method") == "POST":
            return True
        return scope.get("method") == "GET" and "token" in _query(scope)

    async def sign_in(self, scope: Scope, receive: Receive) -> Response:
        """The 303 with the session cookie, or the sign-in page again (401) with the reason."""
        if scope.get("method") == "POST":
            given, problem = await _form_token(scope, receive)
            if problem is not None:
                return JSONResponse(
                    {"error": {"code": "bad_request", "message": problem}}, status_code=400
                )
        else:
            values = _query(scope)["token"]
            given = values[0] if len(values) == 1 else None
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            return self.login_page("wrong token")
        response = RedirectResponse(DASHBOARD_PATH, status_code=303, headers=PAGE_HEADERS)
        value = self._signer.sign(b"dashboard").decode("ascii")
        secure = scope.get("scheme") == "https"
        for path in COOKIE_PATHS:
            response.set_cookie(
                COOKIE_NAME, value, max_age=self.max_age_s, path=path,
                secure=secure, httponly=True, samesite="strict",
            )  # fmt: skip
        return response

    def login_page(self, problem: str = "") -> HTMLResponse:
        """401 with the sign-in form (``problem``: why the last try failed, or empty)."""
        page = self._login_page.replace("{{problem}}", html.escape(problem))
        headers = {
            **PAGE_HEADERS,
            "WWW-Authenticate": 'Bearer realm="redheart"',
            # No script at all; the form may only post back to this server.
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
            ),
        }
        return HTMLResponse(page, status_code=401, headers=headers)


def _query(scope: Scope) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


async def _form_token(scope: Scope, receive: Receive) -> tuple[str | None, str | None]:
    """(the form's ``token``, None) or (None, why the body is not a sign-in form)."""
    content_type = Request(scope).headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/x-www-form-urlencoded":
        return None, (
            f"POST {DASHBOARD_PATH} takes the sign-in form "
            f"(application/x-www-form-urlencoded), not {content_type or 'no content type'}"
        )
    # The API's bounded reader: the declared Content-Length is checked before any byte.
    try:
        body = await read_body(Request(scope, receive), MAX_FORM_BYTES)
    except BodyTooLargeError:
        return None, f"the sign-in form is over {MAX_FORM_BYTES} bytes"
    except BadRequestError as err:  # a Content-Length that is not a number
        return None, err.message
    except ClientDisconnect:
        return None, "the client disconnected"
    try:
        fields = parse_qs(
            body.decode("ascii"), keep_blank_values=True, strict_parsing=True, errors="strict"
        )
    except (UnicodeDecodeError, ValueError) as err:
        return None, f"the sign-in form is not valid form encoding ({err})"
    values = fields.get("token", [])
    if len(values) != 1:
        return None, f"the sign-in form needs one 'token' field, got {len(values)}"
    return values[0], None


# A query string in a logged line: from "?" to the next space, quote or fragment.
_QUERY = re.compile(r"\?([^\s\"#]*)")


def redact_token(text: str) -> str:
    """``text`` with the value of every ``token`` query parameter replaced by ``[redacted]``.

    Keys are compared decoded, as the server parses them (``?tok%65n=`` is ``token``).
    """
    return _QUERY.sub(lambda match: "?" + _redact_query(match.group(1)), text)


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        key, _, _ = part.partition("=")
        parts.append(f"{key}=[redacted]" if unquote_plus(key) == "token" else part)
    return "&".join(parts)


class RedactTokenFilter(logging.Filter):
    """On uvicorn's access logger: ``/dashboard?token=...`` is logged with the token redacted.

    uvicorn's access record has the path with its query string among its ``args``; each
    string argument (and the message) is redacted, so any formatter prints the clean path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_token(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_token(record.msg)
        return True
