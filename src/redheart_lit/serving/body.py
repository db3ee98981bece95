"""Read a request body without ever holding more than ``max_bytes`` of it.

Content-Length is checked first (a cheap early 413), and the streamed chunks are counted
too, because a chunked request has no Content-Length and a lying client can send more
than it announced.
"""

from __future__ import annotations

from starlette.requests import Request

from redheart_lit.serving.errors import BadRequestError, BodyTooLargeError


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body of ``request``; raises BodyTooLargeError (413) past ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequestError(f"Content-Length {declared!r} is not a byte count")
        if int(declared) > max_bytes:
            raise BodyTooLargeError(f"the body is {int(declared)} bytes; the limit is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLargeError(f"the body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
