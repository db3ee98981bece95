"""What the serving layer needs from a model: the surface of ``ProductionOrchestrator``.

Written as a Protocol so that the server depends on the contract, not on the inference
package, and the tests can drive it with a fake (``tests/serving/fakes.py``).
"""

from __future__ import annotations

from typing import Any, Protocol


class BackendConfig(Protocol):
    """The part of ``ProductionConfig`` the server reads."""

    @property
    def max_chars(self) -> int: ...


class AnalysisBackend(Protocol):
    """A loaded model that analyzes texts; ``ProductionOrchestrator`` is the real one."""

    @property
    def version(self) -> str:
        """The model version (e.g. the sha of its weights), echoed in every response."""
        ...

    @property
    def config(self) -> BackendConfig: ...

    def validate_text(self, text: str) -> object:
        """Raise a ``ValueError`` (``InputError``) with a clear message for a text it will not take.

        What it returns (the real one: the normal form of the text) is not used.
        """
        ...

    def check_request_culture(self, culture: object, key: str) -> str:
        """Raise a ``ValueError`` naming ``key`` for a culture it cannot apply (unknown, or
        not ``none`` on a model without a Bentham task)."""
        ...

    def analyze_batch(
        self, texts: list[str], cultures: list[str | None] | None = None
    ) -> list[dict[str, Any]]:
        """One JSON-serialisable result per text, in order; ``cultures``: one per text
        (None: the server's), the cultural weights of its Bentham utility. Blocking;
        never called concurrently."""
        ...

    def cache_stats(self) -> dict[str, int]:
        """``hits``, ``misses``, ``size`` and ``capacity`` of its result cache."""
        ...
