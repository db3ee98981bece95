"""The key is masked in every log line that reaches a root handler."""

from __future__ import annotations

import io
import logging

from redheart_lit.llm.redact import MASK, redact_logs


def test_key_is_masked_in_messages_args_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    before = {h: list(h.filters) for h in root.handlers}
    root.addHandler(handler)
    try:
        redact_logs("sk-secret")
        redact_logs("sk-secret")  # installing twice adds one filter
        assert len(handler.filters) == 1
        log = logging.getLogger("some.library")
        log.warning("header Authorization: Bearer %s", "sk-secret")
        log.warning("plain sk-secret in the message")
        try:
            raise RuntimeError("server said: bad key sk-secret")
        except RuntimeError:
            log.exception("request failed")
    finally:
        root.removeHandler(handler)
        for other, filters in before.items():  # pytest's own handlers
            other.filters = filters
    text = stream.getvalue()
    assert "sk-secret" not in text
    assert f"header Authorization: Bearer {MASK}" in text
    assert f"plain {MASK} in the message" in text
    assert "RuntimeError: server said: bad key [REDACTED]" in text


def test_no_key_installs_nothing() -> None:
    handler = logging.NullHandler()
    logging.getLogger().addHandler(handler)
    try:
        redact_logs(None)
        assert handler.filters == []
    finally:
        logging.getLogger().removeHandler(handler)
