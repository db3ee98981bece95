"""Putting a text result and the modality results together (no model, no I/O).

``analysis.emotion.modalities`` gets each present modality's report (estimate, features,
diagnostics), the text's own estimate and the fused one (:mod:`redheart_lit.modalities.fusion`);
``integrated.confidence`` becomes ``base * (1 + agreement) / 2`` (docs/multimodal.md).
Without text, every task section is null, ``analysis.encoders`` is null and
``analysis.emotion`` holds only ``modalities``.

:func:`gather_and_merge` waits for a text job and the media jobs of one or more items and
merges each item: the one way both the orchestrator's ``process`` and the server's
multimodal path put them together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import numpy as np

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import AffectEstimate, ModalityResult, ekman_estimate
from redheart_lit.modalities.fusion import FusionConfig, fuse, fused_confidence
from redheart_lit.tasks.spec import task_names


def text_estimate(result: dict[str, Any]) -> AffectEstimate | None:
    """The text's estimate from its Ekman group scores (maxima of the members' calibrated
    probabilities, normalised here to a distribution) and its integrated confidence."""
    emotion = result["analysis"].get("emotion")
    if emotion is None:
        return None
    scores = np.array([emotion["ekman"][label] for label in EKMAN_LABELS], dtype=float)
    if scores.sum() <= 0:
        return None
    return ekman_estimate(scores, confidence=result["integrated"]["confidence"])


def merge(
    text_result: dict[str, Any] | None,
    modal: dict[str, ModalityResult],
    fusion: FusionConfig,
    version: str,
) -> dict[str, Any]:
    """One result: ``text_result`` (edited in place, or a text-less one built) with the
    modalities fused in. ``modal`` holds only the modalities given (absent ones stay so)."""
    if text_result is None:
        result: dict[str, Any] = {
            "model_version": version,
            "analysis": dict.fromkeys(task_names()) | {"encoders": None},
            "integrated": {
                "overall_sentiment": None,
                "ethical_score": None,
                "regret_potential": None,
                "causal_clarity": None,
                "confidence": 0.0,
            },
        }
    else:
        result = text_result
    reports: dict[str, Any] = {name: r.as_dict() for name, r in modal.items()}
    estimates = {name: r.estimate for name, r in modal.items() if r.estimate is not None}
    text = text_estimate(result) if text_result is not None else None
    if text is not None:
        estimates = {"text": text} | estimates
        reports["text"] = {"estimate": text.as_dict(), "features": {}, "diagnostics": {}}
    fused = fuse(estimates, fusion) if estimates else None
    if fused is not None:
        reports["fused"] = {
            "valence": _round(fused["valence"]),
            "arousal": _round(fused["arousal"]),
            "ekman": None
            if fused["ekman"] is None
            else {k: round(v, 4) for k, v in fused["ekman"].items()},
            "agreement": _round(fused["agreement"]),
            "weights": {k: round(v, 4) for k, v in fused["weights"].items()},
        }
        base = (
            result["integrated"]["confidence"] if text_result is not None else fused["confidence"]
        )
        result["integrated"]["confidence"] = round(fused_confidence(base, fused["agreement"]), 4)
    else:
        reports["fused"] = None
    emotion = result["analysis"].get("emotion")
    if emotion is None:
        result["analysis"]["emotion"] = {"modalities": reports}
    else:
        emotion["modalities"] = reports
    return result


async def gather_and_merge(
    text_job: Awaitable[list[dict[str, Any]]] | None,
    media_jobs: Sequence[Awaitable[dict[str, ModalityResult]] | None],
    has_text: Sequence[bool],
    merge_one: Callable[[dict[str, Any] | None, dict[str, ModalityResult]], dict[str, Any]],
    media_failed: Callable[[int, BaseException], BaseException] = lambda _, err: err,
) -> list[dict[str, Any]]:
    """One merged result per item, in order.

    ``text_job``: one result per item whose ``has_text`` is true, in order (None: no item
    has a text). ``media_jobs``: each item's modality results (None: the item has no media).
    All jobs run concurrently and to their end, so none is left running unawaited; then the
    text job's error is raised first, else the first failed item's, as
    ``media_failed(index, error)``.
    """
    jobs = [job for job in (text_job, *media_jobs) if job is not None]
    done = iter(await asyncio.gather(*jobs, return_exceptions=True))
    text_results = next(done) if text_job is not None else []
    modal = [next(done) if job is not None else {} for job in media_jobs]
    if isinstance(text_results, BaseException):
        raise text_results
    texts = iter(text_results)
    results = []
    for index, (with_text, item_modal) in enumerate(zip(has_text, modal, strict=True)):
        if isinstance(item_modal, BaseException):
            raise media_failed(index, item_modal)
        results.append(merge_one(next(texts) if with_text else None, item_modal))
    return results


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
