"""Worst-case training data: every text at the tokenizer's full length, every label present.

Memory and throughput depend on the longest sequences and on every loss term running,
so the GPU benchmark trains on the sample texts joined until each is longer than
``max_length`` bytes (the byte tokenizer cuts it to exactly that), a third with a
counterfactual of the same length, each record with every label.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness import sample_rows

from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS, SURD_SHARES


def _long_text(texts: list[str], start: int, min_bytes: int) -> str:
    """Sample sentences joined from ``start`` on until the text has ``min_bytes`` bytes."""
    parts: list[str] = []
    i = start
    while len(" ".join(parts).encode("utf-8")) < min_bytes:
        parts.append(texts[i % len(texts)])
        i += 1
    return " ".join(parts)


def _full_labels(i: int, has_cf: bool) -> dict[str, Any]:
    """Every label key, so every loss term runs (the record format of data/sample)."""
    shares = [0.1, 0.2, 0.3, 0.4]
    labels: dict[str, Any] = {
        "emotion": [i % len(EMOTION_LABELS), (i + 7) % len(EMOTION_LABELS)],
        "bentham": {name: round(((i + k) % 10) / 10, 1) for k, name in enumerate(BENTHAM_FACTORS)},
        "acceptability": i % 2,
        "regret": round((i % 10) / 10, 1),
        "surd": dict(zip(SURD_SHARES, shares[i % 4 :] + shares[: i % 4], strict=True)),
    }
    if has_cf:
        labels["utility_pref"] = (i // 3) % 2
    return labels


def write_worst_case(folder: Path, n_train: int, n_val: int, max_length: int) -> dict[str, Any]:
    """``train.jsonl`` / ``val.jsonl``: every text and counterfactual longer than the tokenizer's
    ``max_length`` bytes (so truncated to exactly it), a third with a counterfactual."""
    texts = [row["text"] for row in sample_rows("train")]
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("val", n_val)):
        with (folder / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for i in range(n):
                has_cf = i % 3 == 0
                record: dict[str, Any] = {
                    "id": f"{split}-{i}",
                    "text": _long_text(texts, i, max_length),
                    "lang": "en",
                    "labels": _full_labels(i, has_cf),
                }
                if has_cf:
                    record["counterfactual"] = _long_text(texts, i + len(texts) // 2, max_length)
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        "train": n_train,
        "val": n_val,
        "counterfactual": "every third record",
        "tokens_per_text": f"{max_length} (texts and counterfactuals cut to max_length bytes)",
        "labels": "all (emotion, bentham, acceptability, regret, surd; utility_pref with cf)",
    }
