"""``GET /dashboard`` (a self-contained HTML page) and ``GET /v1/stats`` (its JSON).

The page is one file shipped in the package (``serving/static/dashboard.html``): its
script and styles are inline and it loads nothing from elsewhere, so it works on a
machine without internet. It polls ``/v1/stats`` every few seconds. Both routes sit
behind the API token like every other route; a browser signs in once and then sends a
session cookie instead (``dashboard_auth.py``), so the page's script never holds the token.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from starlette.responses import HTMLResponse, JSONResponse

from redheart_lit.serving.stats import ServeStats

PAGE = "dashboard.html"


def dashboard_html() -> str:
    """The page, read from the package."""
    return files("redheart_lit.serving").joinpath("static", PAGE).read_text(encoding="utf-8")


def add_dashboard_routes(app: FastAPI, stats: ServeStats) -> None:
    page = dashboard_html()  # read once: a missing file fails at start-up, not per request

    @app.get("/v1/stats", summary="Live server statistics (the dashboard's data).")
    async def get_stats() -> JSONResponse:
        return JSONResponse(stats.snapshot())

    @app.get("/dashboard", summary="Live monitoring page.", include_in_schema=False)
    async def get_dashboard() -> HTMLResponse:
        # The page must not be framed by another site, and runs only its own inline code.
        headers = {
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "connect-src 'self'; img-src data:"
            ),
            "Cache-Control": "no-store",
        }
        return HTMLResponse(page, headers=headers)
