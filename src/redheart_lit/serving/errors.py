"""Errors a client can cause or meet, each with its HTTP status and a stable ``code``.

Every error response of the server has one body shape::

    {"error": {"code": "invalid_text", "message": "texts[3]: ...", "index": 3}}

``index`` is there only when the error is about one item of ``texts``. The same errors
become MCP tool errors (``is_error`` results carrying the message).
"""

from __future__ import annotations

from typing import Any


class ServeError(Exception):
    """An error answered to the client: status, machine-readable code, human message."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.index is not None:
            error["index"] = self.index
        return {"error": error}


class BadRequestError(ServeError):
    """A request HTTP itself finds malformed (a Content-Length that is not a number)."""

    status, code = 400, "bad_request"


class InvalidEncodingError(ServeError):
    """The body is not valid UTF-8."""

    status, code = 400, "invalid_utf8"


class InvalidJsonError(ServeError):
    """The body is UTF-8 but not one JSON document."""

    status, code = 400, "invalid_json"


class InvalidRequestError(ServeError):
    """Valid JSON of the wrong shape or types (a missing key, a number where text belongs)."""

    status, code = 422, "invalid_request"


class InvalidTextError(ServeError):
    """One text the model will not take (empty, too long, unpaired surrogates)."""

    status, code = 422, "invalid_text"


class BodyTooLargeError(ServeError):
    """The body is over ``serve.max_body_bytes``."""

    status, code = 413, "body_too_large"


class UnauthorizedError(ServeError):
    """No bearer token, or the wrong one."""

    status, code = 401, "unauthorized"


class OverloadedError(ServeError):
    """The batcher's queue is full: retry later (the client should back off)."""

    status, code = 503, "overloaded"


class NotReadyError(ServeError):
    """The model is not loaded yet, or the server is shutting down."""

    status, code = 503, "not_ready"


class ReplicaLostError(ServeError):
    """``serve.backend=ray``: the replica running the request died before answering.

    Nothing of the request was returned; it is safe to send again (analysis has no side
    effects), and Ray routes new requests to the replicas still alive.
    """

    status, code = 503, "replica_lost"


class DeadlineExceededError(ServeError):
    """The request ran past ``serve.request_timeout_s``."""

    status, code = 504, "timeout"


class InferenceFailedError(ServeError):
    """The model raised on a text; its batch-mates were answered (see the batcher)."""

    status, code = 500, "inference_failed"


class InvalidInputError(ServeError):
    """An image, audio clip or biosignal that cannot be read (corrupt, NaN, constant, no
    sampling rate), or one this server runs no encoder for; the message names the field."""

    status, code = 422, "invalid_input"


class InputTooLargeError(ServeError):
    """An image over 5 MB or 4096 px a side, audio over 30 s, biosignals over 10 minutes."""

    status, code = 413, "input_too_large"
