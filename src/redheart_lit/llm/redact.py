"""Keep the API key out of every log line, whoever logs it.

The labeller and the server's helper never log the key, but a server's error message, an
exception or a debug line of a library might echo it. A filter on every handler of the
root logger (the console and the run's log file, where Hydra puts them) replaces it
before a line is written. It guards the logs; :func:`scrub` guards a message that leaves
the process (the helper's ``helping_ai.error``). The labeller's output, rejects and cache
files never receive the key.
"""

from __future__ import annotations

import logging

MASK = "[REDACTED]"


class RedactKey(logging.Filter):
    """Replaces ``secret`` in a record's message (and drops its args once formatted)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, MASK), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.exc_info, record.exc_text = None, text.replace(self.secret, MASK)
        return True


def redact_logs(secret: str | None) -> None:
    """Install :class:`RedactKey` on every handler of the root logger (once per secret)."""
    if not secret:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactKey) and f.secret == secret for f in handler.filters):
            handler.addFilter(RedactKey(secret))


def scrub(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` replaced by :data:`MASK` (a server may echo the key)."""
    return text.replace(secret, MASK) if secret else text
