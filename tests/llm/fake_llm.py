"""A fake OpenAI-compatible chat-completions server on a loopback port, for the label tests.

``POST /v1/chat/completions`` answers by script. What it does for a request depends on the
row's text (read from the first user message), so the behaviour is the same whatever order
concurrent requests arrive in: ``server.script(text, [step, ...])`` sets the answers for the
1st, 2nd, ... request about that text; later requests, and texts with no script, get a
valid answer. Steps:

* ``VALID`` or a dict (the answer object) -> 200 with that JSON as the message content;
  a valid answer holds the fields of the schema the request sent (the labeller's full
  answer, or the server helper's context and counterfactual);
* ``INVALID_JSON`` -> 200 whose content is not JSON;
* ``SCHEMA_VIOLATION`` -> 200 with JSON that breaks the schema (regret 1.7: out of range
  for the labeller, an unknown field for the helper);
* ``Status(code, headers, message)`` -> that HTTP status with an OpenAI-style error body;
* ``Slow(seconds)`` -> sleeps, then a valid answer (past the client's timeout).

Every request is recorded (headers, body), and every answer reports ``usage`` of
:data:`PROMPT_TOKENS` + :data:`COMPLETION_TOKENS` unless ``report_usage`` is off.

Import as ``from tests.llm.fake_llm import ...``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from redheart_lit.tasks.spec import BENTHAM_FACTORS

PROMPT_TOKENS, COMPLETION_TOKENS = 100, 50
VALID, INVALID_JSON, SCHEMA_VIOLATION = "valid", "invalid_json", "schema_violation"


@dataclass(frozen=True)
class Status:
    code: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class Slow:
    seconds: float


def valid_answer(given_counterfactual: str | None) -> dict[str, Any]:
    """A valid answer: joy and gratitude, mid factors; a counterfactual unless one is given."""
    return {
        "emotions": [
            {"label": "joy", "confidence": 0.9},
            {"label": "gratitude", "confidence": 0.6},
        ],
        "bentham": {name: round(0.05 * (i + 1), 2) for i, name in enumerate(BENTHAM_FACTORS)},
        "acceptability": 1,
        "regret": 0.2,
        "counterfactual": None if given_counterfactual else "I could have asked first.",
        "utility_pref": 1,
        "context": {
            "agent": "the author",
            "act": "thanked a friend",
            "affected": ["the friend"],
            "consequences": ["the friend felt appreciated"],
        },
    }


@dataclass
class Request:
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]

    @property
    def row(self) -> dict[str, Any]:
        """The row the request is about (the first user message, JSON)."""
        first_user = next(m for m in self.body["messages"] if m["role"] == "user")
        return json.loads(first_user["content"])

    def valid(self) -> dict[str, Any]:
        """A valid answer to this request: :func:`valid_answer`, cut to the fields of the
        schema it sent in ``response_format``."""
        answer = valid_answer(self.row.get("counterfactual"))
        fields = self.body["response_format"]["json_schema"]["schema"]["properties"]
        return {key: value for key, value in answer.items() if key in fields}


class FakeLLM:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.report_usage = True
        self._scripts: dict[str, list[Any]] = {}
        self._seen: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, text: str, steps: list[Any]) -> None:
        self._scripts[text] = list(steps)

    def requests_for(self, text: str) -> list[Request]:
        return [r for r in self.requests if r.row["text"] == text]

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def _next_step(self, request: Request) -> Any:
        row = request.row
        with self._lock:
            self.requests.append(request)
            n = self._seen[row["text"]]
            self._seen[row["text"]] += 1
        steps = self._scripts.get(row["text"], [])
        return steps[n] if n < len(steps) else VALID

    def respond(self, request: Request) -> tuple[int, dict[str, str], dict[str, Any]]:
        step = self._next_step(request)
        if isinstance(step, Status):
            message = step.message or f"fake status {step.code}"
            error = {"error": {"message": message, "type": "fake"}}
            return step.code, step.headers, error
        if isinstance(step, Slow):
            time.sleep(step.seconds)
            step = VALID
        if step == VALID:
            content = json.dumps(request.valid())
        elif step == INVALID_JSON:
            content = '{"emotions": [oops'
        elif step == SCHEMA_VIOLATION:
            content = json.dumps({**request.valid(), "regret": 1.7})
        else:
            content = json.dumps(step)
        body: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": request.body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
        if self.report_usage:
            body["usage"] = {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
            }
        return 200, {}, body


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            request = Request({k.lower(): v for k, v in self.headers.items()}, body)
            if self.path != "/v1/chat/completions":
                code, headers, payload = 404, {}, {"error": {"message": "no such route"}}
            else:
                code, headers, payload = fake.respond(request)
            data = json.dumps(payload).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return Handler
