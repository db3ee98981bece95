"""The OpenAPI description of ``POST /v1/analyze``.

The route decodes its body by hand (see ``request.py``), so FastAPI cannot infer the
request schema from a model; this module writes it out for ``/docs`` and
``/openapi.json``. The 200 response is the typed result (``inference/result.py``), which
the route declares as its ``response_model``.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from redheart_lit.ethics.culture import Culture

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "index": {"type": "integer", "description": "the item of `texts` at fault"},
            },
        }
    },
}


def analyze_openapi(max_texts: int, max_chars: int) -> dict[str, Any]:
    """The OpenAPI request body and responses of ``POST /v1/analyze``."""
    text = {"type": "string", "minLength": 1, "maxLength": max_chars}
    error = {"content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    culture = TypeAdapter(Culture).json_schema() | {
        "description": "cultural weights of the Bentham utility (docs/culture.md); "
        "left out: the server's serve.culture"
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["text"],
                                "additionalProperties": False,
                                "properties": {"text": text, "culture": culture},
                            },
                            {
                                "type": "object",
                                "required": ["texts"],
                                "additionalProperties": False,
                                "properties": {
                                    "texts": {
                                        "type": "array",
                                        "items": text,
                                        "minItems": 1,
                                        "maxItems": max_texts,
                                    },
                                    "culture": culture,
                                },
                            },
                        ]
                    }
                }
            },
        },
        "responses": {
            "200": {"description": "One result per text, in input order."},
            "400": {"description": "Invalid UTF-8 or invalid JSON.", **error},
            "401": {"description": "Missing or wrong bearer token.", **error},
            "413": {"description": "Body over serve.max_body_bytes.", **error},
            "422": {
                "description": "Wrong shape, too many texts, or a text the model refuses.",
                **error,
            },
            "500": {"description": "The model failed on a text.", **error},
            "503": {"description": "Overloaded (queue full) or not ready.", **error},
            "504": {"description": "Past serve.request_timeout_s.", **error},
        },
    }
