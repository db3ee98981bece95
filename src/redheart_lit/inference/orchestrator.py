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
from typing import Any

import numpy as np
import torch
from pydantic import TypeAdapter

from redheart_lit.bundle_format import check_runtime
from redheart_lit.data.batch import Batch
from redheart_lit.ethics.culture import check_culture
from redheart_lit.inference.bundle import Bundle, load_bundle
from redheart_lit.inference.integrate import encoder_agreement, integrated
from redheart_lit.inference.lru import LRUCache
from redheart_lit.inference.multimodal import gather_and_merge, merge
from redheart_lit.inference.onnx.runner import OnnxRunner
from redheart_lit.inference.result import result_model
from redheart_lit.inference.text import InputError, validate
from redheart_lit.modalities.base import ModalityResult
from redheart_lit.modalities.build import ModalityEncoders
from redheart_lit.model.backbone import FusedProjection
from redheart_lit.tasks.readout.rounding import rounded
from redheart_lit.tasks.spec import task_names


@dataclass
class Prediction:
    """One model call's outputs as numpy: task -> its arrays, and the fusion statistics
    (per-text encoder weights ``[N, K]`` and agreement ``[N]``) of a fused model."""

    arrays: dict[str, dict[str, np.ndarray]]
    fusion: tuple[np.ndarray, np.ndarray] | None
    unk_rates: np.ndarray


class UnsupportedInputError(InputError):
    """A modality this release has no encoder for."""


@dataclass(frozen=True)
class _Entry:
    """What the cache holds per text: the result without ``analysis.bentham.culture``,
    and the Bentham factors ``[10]`` and utility ``[]`` the culture is computed from on
    the way out, so that one cached analysis serves every culture a request asks for."""

    result: dict[str, Any]
    bentham: dict[str, np.ndarray] | None


@dataclass(frozen=True)
class ProductionConfig:
    """Args:
    model_dir: folder written by ``python -m redheart_lit.cli.export``.
    device: ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (cuda when available).
    precision: ``fp32`` or ``bf16`` (autocast; CUDA only).
    cache_size: results kept in the LRU cache; 0 switches it off.
    max_batch_size: texts per model call.
    max_chars: longest accepted text, in characters after normalisation.
    culture: ``none``, ``western``, ``eastern`` or ``korean``: the cultural weights of the
        Bentham utility (``ethics/culture.py``); each result reports both utilities.
    runtime: ``torch`` (a safetensors bundle) or ``onnxruntime`` (a ``format=onnx``
        bundle, CPU); a bundle for the other runtime is refused, naming its runtime.
    threads: onnxruntime intra-op threads (torch's are set by the caller); None: one
        per core.
    """

    model_dir: str
    device: str = "cpu"
    precision: str = "fp32"
    cache_size: int = 4096
    max_batch_size: int = 32
    max_chars: int = 2000
    culture: str = "none"

    runtime: str = "torch"
    threads: int | None = None

    def __post_init__(self) -> None:
        check_culture(self.culture)
        check_runtime(self.runtime, self.device, self.precision)
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
    """``modalities``: the image/audio/biosignal encoders (``build_modalities``); None or
    all ``none`` means text only."""

    def __init__(
        self, config: ProductionConfig, modalities: ModalityEncoders | None = None
    ) -> None:
        self.config = config
        self.modalities = modalities or ModalityEncoders()
        self.device = _device(config.device)
        if config.precision == "bf16" and self.device.type != "cuda":
            raise ValueError("precision=bf16 needs a CUDA device")
        self.cache = LRUCache(config.cache_size)
        self._onnx: OnnxRunner | None = None
        if config.runtime == "onnxruntime":
            # The graph computes every array; the readouts (built, not loaded) only shape.
            self._onnx = OnnxRunner(config.model_dir, config.threads)
            self.version = self._onnx.version
            self.tasks = set(self._onnx.config.tasks)
            self._fusion = None
            self._encoder_names = [e["name"] for e in self._onnx.session.encoders] or ["own"]
            readouts = self._onnx.readouts
        else:
            self.bundle: Bundle = load_bundle(config.model_dir, str(self.device))
            self.version = self.bundle.version
            model = self.bundle.model
            self.tasks = set(model.config.tasks)
            backbone_input = model.trunk.backbone.input
            self._fusion = backbone_input if isinstance(backbone_input, FusedProjection) else None
            self._encoder_names = [e["name"] for e in self.bundle.encoders] or ["own"]
            readouts = dict(model.readouts.items())  # a ModuleDict has no .get
        # Every registered task has a section in every result: null when this model does
        # not predict it (readouts of the tasks it lacks only shape nothing).
        self._sections = {name: readouts.get(name) for name in task_names()}
        # The configured culture passes the check every request's culture passes; the
        # message names the bundle, which a request's error does not (clients don't see paths).
        try:
            self.check_request_culture(config.culture)
        except InputError as err:
            raise ValueError(f"{err} (model_dir={config.model_dir})") from None
        self._results = TypeAdapter(list[result_model()])

    # -- public API --------------------------------------------------------------------

    def validate_text(self, text: object) -> str:
        """The normal form of ``text``, or :class:`InputError` saying why it is refused."""
        return validate(text, self.config.max_chars)

    def cache_stats(self) -> dict[str, int]:
        return self.cache.stats()

    def check_request_culture(self, culture: object, key: str = "culture") -> str:
        """``culture`` (None: the configured one) checked against the tables and the model:
        a culture other than ``none`` needs a Bentham task to reweight."""
        if culture is None:
            return self.config.culture
        try:
            check_culture(culture, key)
        except ValueError as err:
            raise InputError(str(err)) from None
        if culture != "none" and "bentham" not in self.tasks:
            raise InputError(
                f"{key}={culture!r} reweights the Bentham utility, but this model has no "
                "bentham task; use culture=none"
            )
        return culture  # type: ignore[return-value]

    def analyze_batch(
        self, texts: list[str], cultures: list[str | None] | None = None
    ) -> list[dict[str, Any]]:
        """One result per text, in order. Raises :class:`InputError` for a refused text.

        ``cultures``: one per text (None: the configured culture), the cultural weights of
        its Bentham utility (``ethics/culture.py``); the analysis itself does not depend on
        it, so texts of different cultures share one model call and one cache entry.
        """
        if cultures is not None and len(cultures) != len(texts):
            raise InputError(f"{len(cultures)} cultures for {len(texts)} texts")
        applied = [self.check_request_culture(c) for c in (cultures or [None] * len(texts))]
        forms = [self.validate_text(t) for t in texts]
        entries: dict[str, _Entry] = {}
        todo: list[str] = []
        for form in forms:
            if form in entries or form in todo:
                continue
            cached = self.cache.get((self.version, form))
            if cached is not None:
                entries[form] = cached
            else:
                todo.append(form)
        # Results nobody else holds (computed here, not cached) are handed out as they are,
        # once; the rest are copied: a caller that edits its result must not edit the
        # cached one, nor a duplicate text's.
        unshared: set[str] = set()
        for chunk in length_buckets(todo, self.config.max_batch_size):
            for form, entry in zip(chunk, self._run(chunk), strict=True):
                self.cache.put((self.version, form), entry)
                entries[form] = entry
                if self.cache.capacity == 0:
                    unshared.add(form)
        answers = []
        for form in forms:
            if form in unshared:
                unshared.discard(form)
                answers.append(entries[form].result)
            else:
                answers.append(_copy(entries[form].result))
        self._apply_cultures(answers, [entries[form] for form in forms], applied)
        return answers

    def _apply_cultures(
        self, answers: list[dict[str, Any]], entries: list[_Entry], cultures: list[str]
    ) -> None:
        """``analysis.bentham.culture`` of each answer: its culture's utility and the
        model's, one ``culture_rows`` call per distinct culture."""
        bentham = self._sections.get("bentham")
        if bentham is None:
            return
        for culture in dict.fromkeys(cultures):
            rows = [i for i, c in enumerate(cultures) if c == culture]
            arrays = {
                key: np.stack([entries[i].bentham[key] for i in rows])  # type: ignore[index]
                for key in ("factors", "utility")
            }
            for i, extra in zip(rows, bentham.culture_rows(arrays, culture), strict=True):  # type: ignore[operator]
                answers[i]["analysis"]["bentham"]["culture"] = extra

    async def process(
        self,
        text: str | None = None,
        *,
        texts: list[str] | None = None,
        image: object = None,
        audio: object = None,
        biosignals: dict[str, Any] | None = None,
        culture: str | None = None,
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """``text=`` -> one result; ``texts=`` -> a list, processed as one batch.

        ``culture``: the cultural weights of this call's Bentham utilities (``none``,
        ``western``, ``eastern``, ``korean``); None: the configured ``culture``.

        With ``image=`` (bytes or a uint8 array), ``audio=`` (bytes, or ``{"samples",
        "sampling_rate"}``) or ``biosignals=`` (``{"ecg": array, "sampling_rate": Hz, ...}``)
        one result, ``text`` optional; text and modalities run in parallel threads.
        """
        media = {"image": image, "audio": audio, "biosignals": biosignals}
        given = {name: value for name, value in media.items() if value is not None}
        if given:
            if texts is not None:
                raise InputError("image=, audio= and biosignals= go with text=, not texts=")
            self.check_request_culture(culture)  # before any work
            text_job = (
                asyncio.to_thread(self.analyze_batch, [text], [culture])
                if text is not None
                else None
            )
            media_job = asyncio.to_thread(self.encode_modalities, **given)
            (result,) = await gather_and_merge(
                text_job, [media_job], [text is not None], self.merge
            )
            return result
        if (text is None) == (texts is None):
            raise InputError("pass exactly one of text= or texts=")
        batch = [text] if texts is None else list(texts)
        if not batch:
            raise InputError("texts is empty")
        results = await asyncio.to_thread(self.analyze_batch, batch, [culture] * len(batch))
        return results[0] if texts is None else results

    def encode_modalities(self, **inputs: Any) -> dict[str, ModalityResult]:
        """Each given input through its encoder (blocking). Raises UnsupportedInputError for
        a modality this orchestrator runs no encoder for, ModalityError for bad input."""
        for name in inputs:
            if name not in self.modalities.names:
                raise UnsupportedInputError(
                    f"{name} input needs an {name} encoder (modality/{name}); this "
                    f"orchestrator runs {self.modalities.names or 'text encoders only'}"
                )
        return {name: self.modalities.encode(name, raw) for name, raw in inputs.items()}

    def merge(
        self, text_result: dict[str, Any] | None, modal: dict[str, ModalityResult]
    ) -> dict[str, Any]:
        """One result with ``analysis.emotion.modalities`` and the fused confidence."""
        result = merge(text_result, modal, self.modalities.fusion, self.version)
        self._results.validate_python([result])
        return result

    # -- the model ---------------------------------------------------------------------

    def _run(self, texts: list[str]) -> list[_Entry]:
        """Prediction (tensors to arrays), then shaping (arrays to checked JSON results)."""
        if self._onnx is not None:
            prediction = Prediction(self._onnx.run(texts), None, self._onnx.unk_rates(texts))
        else:
            prediction = self._predict(texts)
        results = self._shape(prediction, len(texts))
        # Every result is checked against the typed schema the API and MCP publish.
        self._results.validate_python(results)
        if self._sections.get("bentham") is None:
            return [_Entry(result, None) for result in results]
        arrays = prediction.arrays["bentham"]
        return [
            _Entry(result, {key: arrays[key][i].copy() for key in ("factors", "utility")})
            for i, result in enumerate(results)
        ]

    @torch.inference_mode()
    def _predict(self, texts: list[str]) -> Prediction:
        """The torch model's arrays (the ONNX runtime's: :class:`OnnxRunner`)."""
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
            outputs = model(batch)
            arrays = {
                name: readout.arrays(outputs[name], readout.probabilities(outputs[name]))
                for name, readout in model.readouts.items()
            }
            fusion = self._fusion_stats(batch) if self._fusion is not None else None
        return Prediction(arrays, fusion, self.bundle.unk_rates(texts))

    def _shape(self, prediction: Prediction, n: int) -> list[dict[str, Any]]:
        arrays, fusion = prediction.arrays, prediction.fusion
        sections = {
            name: readout.section(arrays[name], n) if readout is not None else [None] * n
            for name, readout in self._sections.items()
        }
        # analysis.bentham.culture is set per request, on the way out (_apply_cultures).
        agreement = fusion[1] if fusion is not None else np.ones(n)
        flat = {key: value for task_arrays in arrays.values() for key, value in task_arrays.items()}
        summary = integrated(
            flat.get("emotion"), flat.get("acceptability"), flat.get("regret"),
            flat.get("surd"), agreement,
        )  # fmt: skip
        agreements = rounded(agreement)
        weights = rounded(fusion[0]) if fusion is not None else None
        unk_rates = rounded(prediction.unk_rates)
        fields = {key: None if v is None else rounded(v) for key, v in summary.items()}
        results = []
        for i in range(n):
            # A list of its own per result: a caller editing one must not edit the others.
            encoders = {
                "names": list(self._encoder_names),
                "agreement": agreements[i],
                "fusion_weights": weights[i] if weights is not None else None,
                "unk_rate": unk_rates[i],
            }
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


def _copy(result: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON-like result (dicts, lists, scalars)."""
    if isinstance(result, dict):
        return {k: _copy(v) for k, v in result.items()}
    if isinstance(result, list):
        return [_copy(v) for v in result]
    return result
