"""Serving: the HTTP API and MCP tools over a loaded model (``python serve.py ckpt=DIR``).

One module per job: ``request`` decodes bodies, ``batcher`` groups texts into model calls,
``service`` is the path every front end shares, ``app`` the HTTP routes, ``mcp_tools`` the
MCP tools, ``auth`` the bearer token, ``dashboard_auth`` the dashboard's sign-in and session
cookie, ``metrics`` Prometheus, ``main`` the Hydra entry.
"""

from redheart_lit.serving.app import create_app
from redheart_lit.serving.batcher import BatcherClosedError, MicroBatcher, QueueFullError
from redheart_lit.serving.settings import ServeSettings

__all__ = ["BatcherClosedError", "MicroBatcher", "QueueFullError", "ServeSettings", "create_app"]
