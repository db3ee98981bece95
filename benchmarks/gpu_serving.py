"""Serving latency of the fused model: three encoders plus the model, in process, no HTTP.

The model is trained two steps over the mode's encoders (``encoder=fused``), exported,
and loaded by ``ProductionOrchestrator`` with the cache off; single texts are timed one
after another (with the encoders alone next to them) and then batches of 32.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import torch
from common import percentile
from gpu_encoders import fused_overrides, make_encoder
from gpu_log import log
from gpu_modes import Mode
from gpu_train import free_memory, trainer_for
from harness import build, compose_run, data_overrides, network_parameters, sample_rows

from redheart_lit.cli.export import export_checkpoint
from redheart_lit.encoders import FusedFeatures
from redheart_lit.inference import ProductionConfig, ProductionOrchestrator
from redheart_lit.inference.orchestrator import length_buckets

SERVE_BATCH = 32
SERVE_TRAIN_STEPS = 2
WARMUP_TEXTS = 10


def serving(mode: Mode, base: list[str], work: Path) -> dict[str, Any]:
    """Train the fused model a few steps, export it, and time the orchestrator."""
    train_rows = sample_rows("train")
    members, member_info = build_members(mode, train_rows, work)
    log("serving: encoders saved, training the fused model")
    bundle, encoder_max_length, model_params = train_and_export(base, members, train_rows, work)
    log("serving: exported, timing the orchestrator")
    texts = [r["text"] for r in sample_rows("val") + sample_rows("test")]
    timed = time_orchestrator(mode, bundle, texts)
    names = [m["name"] for m in member_info]
    return {
        "stack": (
            "ProductionOrchestrator.analyze_batch in process (validation, the three members, "
            "alignment, the model, result building), cache off; no HTTP. The members run "
            "under the orchestrator's autocast like the model; their states pass through "
            "host memory (FrozenFeatures, FusedFeatures alignment)"
        ),
        "single_text_note": "one client, one text per call, sequential: texts_per_s = 1 / mean",
        "encoders": member_info,
        "encoders_note": (
            "randomly initialised with the published architecture of each model (layers, "
            "hidden, heads, FFN, positions, vocabulary size), so a token costs what it costs "
            "in the real model; the tokenizers are trained here on the sample train texts, "
            "so token counts differ from the real tokenizers' (mean_tokens_per_text)"
        ),
        "mean_tokens_per_text": dict(zip(names, timed["mean_tokens"], strict=True)),
        "encoder_max_length": encoder_max_length,
        "model_params": model_params,
        "device": timed["device"],
        "precision": mode.serve_precision,
        "texts": f"{len(texts)} held-out sample texts (val + test), "
        f"{min(len(t.encode()) for t in texts)} to {max(len(t.encode()) for t in texts)} bytes",
        "single_text": timed["single_text"],
        "batch_32": timed["batch_32"],
    }


def build_members(
    mode: Mode, train_rows: list[dict[str, Any]], work: Path
) -> tuple[list[tuple[Path, int]], list[dict[str, Any]]]:
    """The mode's encoders, saved under ``work/encoders``: ``(folder, hidden size)`` of
    each, and what the report says about each."""
    corpus = [r["text"] for r in train_rows] + [
        r["counterfactual"] for r in train_rows if "counterfactual" in r
    ]
    members: list[tuple[Path, int]] = []
    member_info = []
    for seed, (name, arch, shape) in enumerate(mode.members):
        folder = work / "encoders" / name
        built = make_encoder(folder, arch, shape, corpus, seed)
        members.append((folder, shape.hidden))
        shape_info = {k: v for k, v in vars(shape).items() if k != "vocab_size"}
        member_info.append({"name": name, "architecture": arch, **shape_info, **built})
    return members, member_info


def train_and_export(
    base: list[str], members: list[tuple[Path, int]], train_rows: list[dict[str, Any]], work: Path
) -> tuple[Path, int, int]:
    """Train the fused model ``SERVE_TRAIN_STEPS`` steps and export it.

    Returns the bundle folder, the encoders' ``max_length`` and the network's parameters.
    """
    # A few sample records are enough for a couple of steps; the members encode every one
    # of them on CPU while the data module sets up.
    data = work / "serve_data"
    data.mkdir(parents=True, exist_ok=True)
    probe = compose_run(base, work / "serve_probe")
    n_train = int(probe.data.batch_size) * int(probe.memory.accumulate_grad_batches)
    n_train *= SERVE_TRAIN_STEPS
    for split, rows in (("train", train_rows[:n_train]), ("val", sample_rows("val")[:8])):
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        (data / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Two steps only give the weights a trained model's layout; 32-bit AdamW spares torchao's
    # compilation of the 8-bit step for the new parameter shapes (tens of seconds on CPU).
    overrides = [*base, *fused_overrides(members), *data_overrides(data)]
    cfg = compose_run([*overrides, "memory.optimizer_8bit=false"], work / "serve")
    parts = build(cfg)
    trainer = trainer_for(cfg, SERVE_TRAIN_STEPS, [])
    trainer.fit(parts.module, datamodule=parts.datamodule)
    log("serving: model trained, exporting")
    ckpt = work / "serve" / "serve.ckpt"
    trainer.save_checkpoint(ckpt, weights_only=True)
    model_params = sum(p.numel() for p in network_parameters(parts.module))
    del trainer, parts
    free_memory()
    bundle = export_checkpoint(ckpt, work / "bundle")
    return bundle, int(cfg.model.config.encoder.max_length), model_params


def time_orchestrator(mode: Mode, bundle: Path, texts: list[str]) -> dict[str, Any]:
    """Latency of single texts and throughput of batches of ``SERVE_BATCH``, cache off."""
    orchestrator = ProductionOrchestrator(
        ProductionConfig(
            str(bundle), device=mode.serve_device, precision=mode.serve_precision, cache_size=0,
            max_batch_size=SERVE_BATCH,
        )
    )  # fmt: skip
    encode = orchestrator.bundle.encode
    if not isinstance(encode, FusedFeatures):
        raise TypeError(f"the bundle at {bundle} does not read fused encoders")
    tokens = [
        round(float(m.tokenize(texts).attention_mask.sum(1).float().mean()), 1)
        for m in encode.members
    ]
    for text in texts[:WARMUP_TEXTS]:  # warm-up: kernels, allocator, autocast caches
        orchestrator.analyze_batch([text])
    batches = [
        [texts[(k * SERVE_BATCH + j) % len(texts)] for j in range(SERVE_BATCH)]
        for k in range(mode.serve_rounds)
    ]
    orchestrator.analyze_batch(batches[0])
    single, encode_only = _time_single_texts(orchestrator, encode, texts, mode)
    start = time.perf_counter()
    for batch in batches:
        orchestrator.analyze_batch(batch)
    batched_s = time.perf_counter() - start
    calls = [len(length_buckets(b, SERVE_BATCH)) for b in batches]
    result = {
        "mean_tokens": tokens,
        "device": str(orchestrator.device),
        "single_text": {
            "requests": mode.serve_texts,
            "p50_ms": round(percentile(single, 50) * 1000, 2),
            "p95_ms": round(percentile(single, 95) * 1000, 2),
            "texts_per_s": round(len(single) / sum(single), 1),
            "encode_only_p50_ms": round(percentile(encode_only, 50) * 1000, 2),
        },
        "batch_32": {
            "batches": len(batches),
            "texts_per_s": round(SERVE_BATCH * len(batches) / batched_s, 1),
            "ms_per_batch": round(batched_s / len(batches) * 1000, 2),
            "model_calls_per_batch": round(statistics.mean(calls), 2),
        },
    }
    del orchestrator, encode
    free_memory()
    return result


def _time_single_texts(
    orchestrator: ProductionOrchestrator, encode: FusedFeatures, texts: list[str], mode: Mode
) -> tuple[list[float], list[float]]:
    """Seconds of ``mode.serve_texts`` single-text calls, and of the encoders alone on each."""
    single, encode_only = [], []
    bf16 = mode.serve_precision == "bf16"
    for i in range(mode.serve_texts):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        orchestrator.analyze_batch([text])
        single.append(time.perf_counter() - start)
        start = time.perf_counter()
        with torch.autocast(orchestrator.device.type, dtype=torch.bfloat16, enabled=bf16):
            encode([text])  # the members and the alignment alone, as analyze_batch runs them
        if orchestrator.device.type == "cuda":
            torch.cuda.synchronize()  # analyze_batch syncs by copying results to the host
        encode_only.append(time.perf_counter() - start)
    return single, encode_only
