"""ProductionOrchestrator: texts in, the full analysis out. No HTTP in here.

::

    orchestrator = ProductionOrchestrator(ProductionConfig(model_dir="exports/v1"))
    result = await orchestrator.process(text="I lied to my friend and I regret it.")
    result["analysis"]["emotion"]["labels"], result["integrated"]["confidence"]

Texts are validated and normalised (:mod:`.text`), looked up in an LRU cache keyed by the
model version and the normal form, and the misses run through the model together, in
chunks of ``max_batch_size``. ``analyze_batch`` is the synchronous core the server's
micro-batcher calls from a worker thread; ``process`` is the asyncio entry for library use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from itertools import compress
from typing import Any

import numpy as np
import torch

from redheart_lit.data.batch import Batch
from redheart_lit.evaluation.ekman import EKMAN_LABELS, ekman_decisions, ekman_scores
from redheart_lit.evaluation.korean import COMPOSITE_NAMES, korean_composites
from redheart_lit.inference.bundle import Bundle, load_bundle
from redheart_lit.inference.integrate import encoder_agreement, integrated
from redheart_lit.inference.lru import LRUCache
from redheart_lit.inference.text import InputError, validate
from redheart_lit.model.backbone import FusedProjection
from redheart_lit.tasks import BENTHAM_FACTORS, EMOTION_LABELS, SURD_SHARES

# Digits kept in results: enough for any decision, short enough for a readable response.
_DIGITS = 6


class UnsupportedInputError(InputError):
    """A modality this release has no encoder for."""


@dataclass(frozen=True)
class ProductionConfig:
    """Args:
    model_dir: folder written by ``python -m redheart_lit.export``.
    device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (cuda when available).
    precision: ``fp32`` or ``bf16`` (autocast; CUDA only).
    cache_size: results kept in the LRU cache; 0 switches it off.
    max_batch_size: texts per model call.
    max_chars: longest accepted text, in characters after normalisation.
    """

    model_dir: str
    device: str = "cpu"
    precision: str = "fp32"
    cache_size: int = 4096
    max_batch_size: int = 32
    max_chars: int = 2000

    def __post_init__(self) -> None:
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {self.precision!r}")
        for name in ("max_batch_size", "max_chars"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {self.cache_size}")


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} but CUDA is not available")
    return device


class ProductionOrchestrator:
    def __init__(self, config: ProductionConfig) -> None:
        self.config = config
        self.device = _device(config.device)
        if config.precision == "bf16" and self.device.type != "cuda":
            raise ValueError("precision=bf16 needs a CUDA device")
        self.bundle: Bundle = load_bundle(config.model_dir, str(self.device))
        self.version = self.bundle.version
        self.cache = LRUCache(config.cache_size)
        model = self.bundle.model
        self.tasks = set(model.config.tasks)
        self._fusion = (
            model.backbone.input if isinstance(model.backbone.input, FusedProjection) else None
        )
        self._encoder_names = [e["name"] for e in self.bundle.encoders] or ["own"]
        self._thresholds = np.array(
            [self.bundle.thresholds["emotion"][label]["threshold"] for label in EMOTION_LABELS]
        )

    # -- public API --------------------------------------------------------------------

    def validate_text(self, text: object) -> str:
        """The normal form of ``text``, or :class:`InputError` saying why it is refused."""
        return validate(text, self.config.max_chars)

    def cache_stats(self) -> dict[str, int]:
        return self.cache.stats()

    def analyze_batch(self, texts: list[str]) -> list[dict[str, Any]]:
        """One result per text, in order. Raises :class:`InputError` for a refused text."""
        forms = [self.validate_text(t) for t in texts]
        results: dict[str, dict[str, Any]] = {}
        todo: list[str] = []
        for form in forms:
            if form in results or form in todo:
                continue
            cached = self.cache.get((self.version, form))
            if cached is not None:
                results[form] = cached
            else:
                todo.append(form)
        # Results nobody else holds (computed here, not cached) are handed out as they are,
        # once; the rest are copied: a caller that edits its result must not edit the
        # cached one, nor a duplicate text's.
        unshared: set[str] = set()
        for chunk in length_buckets(todo, self.config.max_batch_size):
            for form, result in zip(chunk, self._run(chunk), strict=True):
                self.cache.put((self.version, form), result)
                results[form] = result
                if self.cache.capacity == 0:
                    unshared.add(form)
        answers = []
        for form in forms:
            if form in unshared:
                unshared.discard(form)
                answers.append(results[form])
            else:
                answers.append(_copy(results[form]))
        return answers

    async def process(
        self,
        text: str | None = None,
        *,
        texts: list[str] | None = None,
        image: object = None,
        audio: object = None,
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``text=`` -> one result; ``texts=`` -> a list, processed as one batch."""
        for name, value in (("image", image), ("audio", audio)):
            if value is not None:
                raise UnsupportedInputError(
                    f"{name} input needs an {name} encoder; this model has text encoders "
                    f"only ({', '.join(self._encoder_names)})"
                )
        if (text is None) == (texts is None):
            raise InputError("pass exactly one of text= or texts=")
        batch = [text] if texts is None else list(texts)
        if not batch:
            raise InputError("texts is empty")
        results = await asyncio.to_thread(self.analyze_batch, batch)
        return results[0] if texts is None else results

    # -- the model ---------------------------------------------------------------------

    @torch.inference_mode()
    def _run(self, texts: list[str]) -> list[dict[str, Any]]:
        model = self.bundle.model
        # The frozen encoders run under the same autocast as the model: with bf16 they are
        # most of a fused bundle's compute.
        autocast = torch.autocast(
            self.device.type, dtype=torch.bfloat16, enabled=self.config.precision == "bf16"
        )
        with autocast:
            enc = self.bundle.encode(texts)
        empty = torch.zeros((0, 1), dtype=torch.long)
        batch = Batch(
            input_ids=enc.input_ids.to(self.device),
            attention_mask=enc.attention_mask.to(self.device),
            sentence_ids=enc.sentence_ids.to(self.device),
            cf_index=torch.zeros(0, dtype=torch.long, device=self.device),
            cf_input_ids=empty.to(self.device),
            cf_attention_mask=empty.bool().to(self.device),
            cf_sentence_ids=empty.to(self.device),
        )
        with autocast:
            out = model(batch)
            probs = {k: v.float().cpu().numpy() for k, v in model.probabilities(out).items()}
            fusion = self._fusion_stats(batch) if self._fusion is not None else None
        surd = out.surd_shares.float().cpu().numpy() if out.surd_shares is not None else None
        n = len(texts)
        agreement = fusion[1] if fusion is not None else np.ones(n)
        summary = integrated(
            probs.get("emotion"), probs.get("acceptability"), probs.get("regret"), surd, agreement
        )
        # Rounded per array, then put into dicts: done value by value, building the results
        # took an eighth of a 32-text call of the tiny model (docs/benchmarks.md, "Serving").
        emotion = probs.get("emotion")
        sections: dict[str, list[Any]] = {
            "emotion": self._emotion(emotion) if emotion is not None else [None] * n,
            "bentham": self._bentham(out, probs) if "bentham" in self.tasks else [None] * n,
            "regret": (
                [{"probability": p} for p in _rounded(probs["regret"])]
                if "regret" in self.tasks else [None] * n
            ),
            "surd": (
                [dict(zip(SURD_SHARES, row, strict=True)) for row in _rounded(surd)]
                if surd is not None else [None] * n
            ),
        }  # fmt: skip
        agreements = _rounded(agreement)
        weights = _rounded(fusion[0]) if fusion is not None else None
        fields = {key: None if v is None else _rounded(v) for key, v in summary.items()}
        results = []
        for i in range(n):
            # A list of its own per result: a caller editing one must not edit the others.
            encoders: dict[str, Any] = {
                "names": list(self._encoder_names), "agreement": agreements[i]
            }  # fmt: skip
            if weights is not None:
                encoders["fusion_weights"] = weights[i]
            results.append(
                {
                    "model_version": self.version,
                    "analysis": {key: rows[i] for key, rows in sections.items()}
                    | {"encoders": encoders},
                    "integrated": {
                        key: None if values is None else values[i] for key, values in fields.items()
                    },
                }
            )
        return results

    def _fusion_stats(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """Per text: mean fusion weight of each encoder ``[N, K]`` and agreement ``[N]``."""
        assert self._fusion is not None
        states = self._fusion.member_states(batch.input_ids)  # [N, L, K, D]
        mask = batch.attention_mask[:, :, None, None].to(states.dtype)
        count = mask.sum(1).clamp_min(1)
        pooled = (states * mask).sum(1) / count  # [N, K, D]
        weights = (self._fusion.weights(states) * mask[..., 0]).sum(1) / count[..., 0]
        return weights.float().cpu().numpy(), encoder_agreement(pooled.float().cpu().numpy())

    def _emotion(self, probs: np.ndarray) -> list[dict[str, Any]]:
        decided = probs >= self._thresholds
        rows = _rounded(probs)
        ekman = _rounded(ekman_scores(probs))
        korean = _rounded(korean_composites(probs))
        on, ekman_on = decided.tolist(), ekman_decisions(decided).tolist()
        return [
            {
                "probabilities": dict(zip(EMOTION_LABELS, rows[i], strict=True)),
                "labels": list(compress(EMOTION_LABELS, on[i])),
                "ekman": dict(zip(EKMAN_LABELS, ekman[i], strict=True)),
                "ekman_labels": list(compress(EKMAN_LABELS, ekman_on[i])),
                "korean": dict(zip(COMPOSITE_NAMES, korean[i], strict=True)),
            }
            for i in range(len(rows))
        ]

    @staticmethod
    def _bentham(out: Any, probs: dict[str, np.ndarray]) -> list[dict[str, Any]]:
        factors = _rounded(out.bentham_factors.float().cpu().numpy())
        utility = _rounded(out.utility.float().cpu().numpy())
        acceptability = _rounded(probs["acceptability"])
        return [
            {
                "factors": dict(zip(BENTHAM_FACTORS, factors[i], strict=True)),
                "utility": utility[i],
                "acceptability": acceptability[i],
            }
            for i in range(len(factors))
        ]


def _rounded(values: np.ndarray) -> list[Any]:
    """``values`` as nested lists of Python floats, each exactly ``round(float(v), _DIGITS)``.

    Vectorised when every value is a float32 value (all model outputs are): such a value
    times 10**6 is exact in float64 (a 24-bit mantissa times 15625 * 2**6 fits in 53
    bits), so ``np.rint`` rounds the exact decimal half to even, as ``round`` does, and the
    division by 10**6 is correctly rounded, as ``round``'s decimal-to-float step is. Any
    other value (a float64 sum of them, say) is rounded one by one.
    """
    # Quiet: a float64 past float32's range (over) takes the slow path; NaN stays NaN.
    with np.errstate(over="ignore", invalid="ignore"):
        as_float32 = values.astype(np.float32)
        if values.dtype == np.float32 or np.array_equal(as_float32, values, equal_nan=True):
            scale = 10.0**_DIGITS
            return (np.rint(as_float32.astype(np.float64) * scale) / scale).tolist()
    return np.vectorize(_r, otypes=[object])(values).tolist()


# Texts shorter than this many UTF-8 bytes share a bucket however their lengths differ.
_MIN_BUCKET_BYTES = 32


def length_buckets(texts: list[str], max_size: int) -> list[list[str]]:
    """``texts`` sorted by UTF-8 length, cut into model calls of at most ``max_size``.

    A call pads every text to its longest, so a bucket closes when the next text is more
    than twice as long as its first: padding stays under half of any call's tokens. On CPU,
    where the forward pass costs in proportion to the padded tokens, mixing 20-byte and
    190-byte texts in one call would spend most of it on padding.
    """
    buckets: list[list[str]] = []
    first = 0
    for text in sorted(texts, key=lambda t: len(t.encode("utf-8"))):
        size = len(text.encode("utf-8"))
        if not buckets or len(buckets[-1]) == max_size or size > 2 * max(first, _MIN_BUCKET_BYTES):
            buckets.append([])
            first = size
        buckets[-1].append(text)
    return buckets


def _r(value: float) -> float:
    return round(float(value), _DIGITS)


def _copy(result: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON-like result (dicts, lists, scalars)."""
    if isinstance(result, dict):
        return {k: _copy(v) for k, v in result.items()}
    if isinstance(result, list):
        return [_copy(v) for v in result]
    return result
