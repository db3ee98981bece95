"""The training-time distribution of predicted Ekman groups, stored in a bundle, and drift.

``python -m redheart_lit.cli.export ... reference=<records.jsonl>`` runs the exported model
over the texts the model was trained on, through the same path the server answers with
(:class:`ProductionOrchestrator`), and writes the share of each predicted Ekman group to
``reference.json`` in the bundle. The server compares the groups it predicts over a
sliding window with it, by the population stability index (PSI):

    PSI = sum over groups of (live - reference) * ln(live / reference)

with both shares floored at :data:`PSI_FLOOR` (a group never seen in one of them would
make the sum infinite). Reading (the usual credit-scoring convention):
below :data:`PSI_WARN` (0.1) no notable shift; :data:`PSI_WARN` to :data:`PSI_ALERT`
(0.25) a moderate shift worth a look (the dashboard turns amber); above :data:`PSI_ALERT`
a large shift (red). A bundle exported without ``reference=`` has no ``reference.json``;
the server then reports the drift as unavailable and says why. The file is optional, so
bundles written before it existed load unchanged (the bundle format tag stays the same).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.files import file_sha256

REFERENCE_FILE = "reference.json"
REFERENCE_KIND = "redheart_lit.reference/1"
PSI_FLOOR = 1e-4
PSI_WARN = 0.1
PSI_ALERT = 0.25


def predicted_group(result: Mapping[str, Any]) -> tuple[str, float] | None:
    """The Ekman group with the highest score in one analysis result and that score.

    None when the model has no emotion task (``analysis.emotion`` is null) or the result
    has no text analysis (a media-only item: its emotion section holds only modalities).
    """
    emotion = result["analysis"].get("emotion")
    if emotion is None or "ekman" not in emotion:
        return None
    scores: Mapping[str, float] = emotion["ekman"]
    group = max(EKMAN_LABELS, key=lambda name: scores[name])
    return group, float(scores[group])


def group_shares(groups: Iterable[str]) -> tuple[dict[str, float], int]:
    """Share of each Ekman group among ``groups`` (all seven keys) and how many there were."""
    counts = dict.fromkeys(EKMAN_LABELS, 0)
    for group in groups:
        counts[group] += 1
    total = sum(counts.values())
    return {g: (c / total if total else 0.0) for g, c in counts.items()}, total


def psi(reference: Mapping[str, float], live: Mapping[str, float]) -> float:
    """Population stability index of ``live`` shares against ``reference`` shares."""
    total = 0.0
    for group in EKMAN_LABELS:
        r, a = max(reference[group], PSI_FLOOR), max(live[group], PSI_FLOOR)
        total += (a - r) * math.log(a / r)
    return total


def psi_level(value: float) -> str:
    """``ok``, ``warn`` or ``alert`` by :data:`PSI_WARN` and :data:`PSI_ALERT`."""
    return "alert" if value > PSI_ALERT else "warn" if value >= PSI_WARN else "ok"


def write_reference(
    bundle_dir: Path,
    analyze_batch: Callable[[list[str]], list[dict[str, Any]]],
    texts: list[str],
    source: Path,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Predict ``texts`` with ``analyze_batch`` and write ``reference.json``; return its content."""
    if not texts:
        raise ValueError(f"reference={source}: no texts to build the reference distribution from")
    groups = []
    for start in range(0, len(texts), batch_size):
        for result in analyze_batch(texts[start : start + batch_size]):
            predicted = predicted_group(result)
            if predicted is None:
                raise ValueError("reference= needs a model with the emotion task (Ekman groups)")
            groups.append(predicted[0])
    shares, rows = group_shares(groups)
    content = {
        "kind": REFERENCE_KIND,
        "ekman_shares": shares,
        "rows": rows,
        "source": str(source),
        "source_sha256": file_sha256(source),
    }
    (bundle_dir / REFERENCE_FILE).write_text(json.dumps(content, indent=2) + "\n")
    return content


def read_reference(bundle_dir: Path) -> dict[str, Any] | None:
    """``reference.json`` of a bundle, checked; None when the bundle has none."""
    path = Path(bundle_dir) / REFERENCE_FILE
    if not path.exists():
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(content, dict) or content.get("kind") != REFERENCE_KIND:
        raise ValueError(f"{path}: kind is not {REFERENCE_KIND!r}")
    shares = content.get("ekman_shares")
    if not isinstance(shares, dict) or set(shares) != set(EKMAN_LABELS):
        raise ValueError(f"{path}: ekman_shares must have exactly the keys {list(EKMAN_LABELS)}")
    if any(not isinstance(v, int | float) or not 0 <= v <= 1 for v in shares.values()):
        raise ValueError(f"{path}: every share in ekman_shares must be a number in [0, 1]")
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise ValueError(f"{path}: ekman_shares sum to {sum(shares.values())}, not 1")
    return content
