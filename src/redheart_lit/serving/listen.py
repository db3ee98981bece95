"""Bind the listening socket before the server starts, and say where it is.

Binding here (not inside uvicorn) makes ``serve.port=0`` useful: the OS picks a free
port, and the chosen port is printed as one JSON line on stdout before any request can
be served, so a script that started ``serve.py`` learns the port without racing anyone
for it. The socket already listens, so connections made right after the line wait in
the backlog until uvicorn accepts them.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import TextIO

# Connections the kernel queues while the app starts or is busy.
BACKLOG = 2048


class BindError(OSError):
    """The address cannot be bound; the message names serve.host and serve.port."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: a free port the OS picks)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as err:
        raise BindError(f"serve.host={host} does not resolve: {err}") from None
    sock = socket.socket(family, kind, proto)
    try:
        # A restarted server may rebind while old connections sit in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as err:
        sock.close()
        raise BindError(
            f"cannot listen on serve.host={host} serve.port={port}: {err.strerror}"
        ) from None
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket, with IPv6 hosts in brackets."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if sock.family == socket.AF_INET6 else f"http://{host}:{port}"


def announce(sock: socket.socket, stream: TextIO = sys.stdout) -> None:
    """Print ``{"listening": "http://127.0.0.1:PORT", "port": PORT}`` as one line."""
    port = sock.getsockname()[1]
    print(json.dumps({"listening": url_of(sock), "port": port}), file=stream, flush=True)
