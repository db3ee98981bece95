"""A stand-in for ``ProductionOrchestrator`` with the same surface, for the serving tests.

It has the contract's behaviour where the server depends on it — ``validate_text`` refuses
empty and over-long texts with a ValueError subclass, ``analyze_batch`` answers in order
and counts cache hits — and it records every batch, so tests can see how texts were
grouped. It also asserts that it is never called concurrently, which the batcher promises.

Import as ``from tests.serving.fakes import FakeOrchestrator``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class FakeInputError(ValueError):
    """Like ``redheart_lit.inference.InputError``: a text the model will not take."""


@dataclass(frozen=True)
class FakeConfig:
    """The fields of ``ProductionConfig``."""

    model_dir: str = "fake-bundle"
    device: str = "cpu"
    cache_size: int = 4096
    max_chars: int = 2000
    max_batch_size: int = 32


class FakeOrchestrator:
    """Deterministic results; raises on texts in ``fail_on``; sleeps ``delay_s`` per call."""

    def __init__(
        self,
        config: FakeConfig | None = None,
        *,
        version: str = "fake-0001",
        delay_s: float = 0.0,
        fail_on: Iterable[str] = (),
    ) -> None:
        self.config = config or FakeConfig()
        self.version = version
        self.delay_s = delay_s
        self.fail_on = frozenset(fail_on)
        self.batches: list[list[str]] = []
        # The cultures each batch was asked for, parallel to ``batches``.
        self.culture_batches: list[list[str | None]] = []
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._busy = threading.Lock()

    def validate_text(self, text: str) -> None:
        if not text.strip():
            raise FakeInputError("text is empty or only whitespace")
        if len(text) > self.config.max_chars:
            raise FakeInputError(
                f"text has {len(text)} characters; the limit is {self.config.max_chars}"
            )

    def check_request_culture(self, culture: object, key: str = "culture") -> str:
        from redheart_lit.ethics.culture import check_culture

        return check_culture(culture, key)

    def analyze_batch(
        self, texts: list[str], cultures: list[str | None] | None = None
    ) -> list[dict[str, Any]]:
        if not self._busy.acquire(blocking=False):
            raise AssertionError("analyze_batch was called concurrently")
        try:
            cultures = list(cultures) if cultures is not None else [None] * len(texts)
            assert len(cultures) == len(texts), (cultures, texts)
            self.batches.append(list(texts))
            self.culture_batches.append(cultures)
            if self.delay_s:
                time.sleep(self.delay_s)
            failing = [t for t in texts if t in self.fail_on]
            if failing:
                raise RuntimeError(f"cannot analyze {failing[0]!r}")
            return [
                _with_culture(self._cached(text), culture)
                for text, culture in zip(texts, cultures, strict=True)
            ]
        finally:
            self._busy.release()

    def cache_stats(self) -> dict[str, int]:
        return {
            "hits": self._hits,
            "misses": self._misses,
            "size": len(self._cache),
            "capacity": self.config.cache_size,
        }

    def _cached(self, text: str) -> dict[str, Any]:
        if text in self._cache:
            self._hits += 1
            self._cache.move_to_end(text)
            return self._cache[text]
        self._misses += 1
        result = fake_result(text, self.version)
        if self.config.cache_size:
            self._cache[text] = result
            while len(self._cache) > self.config.cache_size:
                self._cache.popitem(last=False)
        return result


def fake_result(text: str, version: str) -> dict[str, Any]:
    """A result of the real schema (``inference/result.py``), numbers derived from the text.

    The text itself is the one encoder name, so tests can tell results apart
    (:func:`text_of`).
    """
    from redheart_lit.evaluation.ekman import EKMAN_LABELS
    from redheart_lit.evaluation.korean import COMPOSITE_NAMES
    from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS, SURD_SHARES

    share = (len(text) % 10) / 10
    return {
        "model_version": version,
        "analysis": {
            "emotion": {
                "probabilities": dict.fromkeys(EMOTION_LABELS, share),
                "labels": ["joy"] if share >= 0.5 else [],
                "ekman": dict.fromkeys(EKMAN_LABELS, share),
                "ekman_labels": ["joy"] if share >= 0.5 else [],
                "korean": dict.fromkeys(COMPOSITE_NAMES, share),
            },
            "bentham": {
                "factors": dict.fromkeys(BENTHAM_FACTORS, share),
                "utility": share,
                "acceptability": share,
                # As the real orchestrator: the culture applied (by default none).
                "culture": {"name": "none", "utility": share, "unweighted_utility": share},
            },
            "regret": {"probability": share},
            "surd": dict.fromkeys(SURD_SHARES, 0.25),
            "encoders": {
                "names": [text],
                "agreement": 1.0,
                "fusion_weights": None,
                "unk_rate": [0.0],
            },
        },
        "integrated": {
            "overall_sentiment": share,
            "ethical_score": share,
            "regret_potential": share,
            "causal_clarity": 0.75,
            "confidence": share,
        },
    }


def _with_culture(result: dict[str, Any], culture: str | None) -> dict[str, Any]:
    """A copy of ``result`` whose Bentham section reports ``culture`` (None: ``none``),
    as the real orchestrator sets it per request; the utility itself is not reweighted."""
    bentham = result["analysis"]["bentham"]
    utility = bentham["utility"]
    section = bentham | {
        "culture": {"name": culture or "none", "utility": utility, "unweighted_utility": utility}
    }
    return result | {"analysis": result["analysis"] | {"bentham": section}}


def text_of(result: dict[str, Any]) -> str:
    """The text a :func:`fake_result` was made for."""
    return result["analysis"]["encoders"]["names"][0]
