"""Per-sample SURD share targets for the SURD head.

Recipe
------
* **Target** ``T``: the human acceptability label (0/1), used as discrete states as-is.
* **Agents** (continuous, one column each):

  1. *valence* -- mean GoEmotions sentiment of the record's emotion labels, using
     :data:`redheart_lit.tasks.spec.EMOTION_VALENCE` (+1 positive, -1 negative, 0 ambiguous / neutral);
  2. *utility* -- ``mean_k(sign_k * factor_k)`` over the ten Bentham factors, with the
     signs of :data:`UTILITY_SIGNS` (the model's utility starts from the same aggregation);
  3. *regret* -- the regret label as given.

* **Bins**: every agent column is cut into ``bins`` (default 3) equal-frequency
  (quantile) bins, so each bin holds about the same number of samples -- more robust than
  equal-width bins for skewed label scores. Tied values always share a bin, so a column
  with many ties may use fewer than ``bins`` states.
* **Shares**: the joint histogram ``[T, valence, utility, regret]`` is decomposed with
  :func:`redheart_lit.surd.decomposition.surd_state` for each observed target state; each sample gets
  the state-resolved ``(synergy, unique, redundant, leak)`` shares of its own target state
  (normalised by that state's surprisal ``-log2 p(t)``, so each row sums to 1).

CLI::

    python -m redheart_lit.surd.targets IN.jsonl OUT.jsonl

Records having ``labels.emotion`` (non-empty), ``labels.bentham``, ``labels.acceptability``
and ``labels.regret`` receive ``labels.surd = {"synergy", "unique", "redundant", "leak"}``
(6 decimals, summing to 1); all other records are written unchanged. Shares are computed
over the set of complete records in the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from redheart_lit.surd.decomposition import SHARE_NAMES, state_shares
from redheart_lit.tasks.spec import (
    BENTHAM_FACTORS,
    BENTHAM_UTILITY_SIGNS,
    EMOTION_VALENCE,
)

__all__ = [
    "UTILITY_SIGNS",
    "main",
    "per_sample_shares",
    "quantile_bins",
    "quantile_edges",
    "record_agents",
    "round_shares",
    "shares_of_states",
]

UTILITY_SIGNS: dict[str, float] = dict(zip(BENTHAM_FACTORS, BENTHAM_UTILITY_SIGNS, strict=True))
"""Sign of each Bentham factor in utility: the aggregation the model's utility starts from."""


def quantile_bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-frequency bin indices.

    Args:
        x: ``[N]`` finite values.
        bins: number of quantile bins (>= 1).

    Returns:
        int64 ``[N]`` in ``0..bins-1``; ties share a bin (values equal to an interior
        quantile edge go to the upper bin).
    """
    xf = np.asarray(x, dtype=np.float64)
    return np.searchsorted(quantile_edges(xf, bins), xf, side="right").astype(np.int64)


def quantile_edges(x: np.ndarray, bins: int) -> np.ndarray:
    """The ``bins - 1`` inner equal-frequency edges of ``[N]`` finite values; a value equal to
    an edge belongs to the upper bin (``searchsorted(..., side="right")``)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    xf = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(xf)):
        raise ValueError("agent values must be finite")
    return np.quantile(xf, np.linspace(0.0, 1.0, bins + 1)[1:-1])


def per_sample_shares(target: np.ndarray, agents: np.ndarray, bins: int = 3) -> np.ndarray:
    """State-resolved SURD shares for every sample.

    Args:
        target: ``[N]`` discrete non-negative integer target (e.g. acceptability 0/1).
        agents: ``[N, K]`` continuous agent values (``K >= 1``); each column is binned into
            ``bins`` quantile bins.
        bins: number of equal-frequency bins per agent.

    Returns:
        float64 ``[N, 4]`` in :data:`redheart_lit.surd.SHARE_NAMES` order
        (synergy, unique, redundant, leak); row ``n`` holds the shares of target state
        ``target[n]`` and sums to 1.

    Raises:
        ValueError: shape mismatch, non-integer / negative target, or a target with a
            single observed state (zero entropy: nothing to decompose).
    """
    t = np.asarray(target)
    a = np.asarray(agents, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if t.ndim != 1 or a.ndim != 2 or a.shape[0] != t.shape[0]:
        raise ValueError(f"expected target [N] and agents [N, K]; got {t.shape} and {a.shape}")
    if t.shape[0] == 0:
        raise ValueError("no samples")
    t_int = t.astype(np.int64)
    if not np.array_equal(t_int, t) or t_int.min() < 0:
        raise ValueError("target must be non-negative integer-valued (discrete states)")
    states = np.unique(t_int)
    if states.size < 2:
        raise ValueError("target has a single observed state (H(T) = 0); shares undefined")

    binned = np.stack([quantile_bins(a[:, k], bins) for k in range(a.shape[1])], 1)
    return shares_of_states(t_int, binned, bins)


def shares_of_states(target: np.ndarray, states: np.ndarray, bins: int) -> np.ndarray:
    """:func:`per_sample_shares` for agents already binned: ``states`` ``[N, K]`` in
    ``0..bins-1`` (e.g. with edges fitted on another part of the data)."""
    t_int = np.asarray(target, dtype=np.int64)
    states = np.asarray(states, dtype=np.int64)
    if np.unique(t_int).size < 2:
        raise ValueError("target has a single observed state (H(T) = 0); shares undefined")
    if states.min() < 0 or states.max() >= bins:
        raise ValueError(f"agent states must lie in 0..{bins - 1}")
    shape = (int(t_int.max()) + 1,) + (bins,) * states.shape[1]
    flat = np.ravel_multi_index((t_int, *states.T), shape)
    hist = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(np.float64)

    # only observed states are needed; each is decomposed once and broadcast to its samples
    out = np.empty((t_int.shape[0], len(SHARE_NAMES)), dtype=np.float64)
    for s in np.unique(t_int):
        out[t_int == s] = state_shares(hist, int(s))
    return out


def _valence(emotion_ids: Sequence[int]) -> float:
    """Mean GoEmotions valence of a record's label ids."""
    return float(np.mean([EMOTION_VALENCE[int(i)] for i in emotion_ids]))


def _utility(bentham: Mapping[str, float], rec_id: Any) -> float:
    """``mean_k(sign_k * factor_k)`` over the ten factors, the signs of :data:`UTILITY_SIGNS`.

    The same signed aggregation initialises the model's learned utility weights, so the
    agent and the model's utility output measure the same thing.
    """
    missing = [f for f in UTILITY_SIGNS if f not in bentham]
    if missing:
        raise ValueError(f"record {rec_id!r}: bentham label lacks factors {missing}")
    return float(np.mean([sign * float(bentham[f]) for f, sign in UTILITY_SIGNS.items()]))


def record_agents(record: Mapping[str, Any]) -> tuple[int, tuple[float, float, float]] | None:
    """Target and agents ``(valence, utility, regret)`` of a record, or None if incomplete.

    A record is complete when ``labels`` has a non-empty ``emotion`` list and non-null
    ``bentham``, ``acceptability`` and ``regret``.
    """
    labels = record.get("labels") or {}
    emo = labels.get("emotion")
    ben = labels.get("bentham")
    acc = labels.get("acceptability")
    reg = labels.get("regret")
    if not emo or ben is None or acc is None or reg is None:
        return None
    rec_id = record.get("id")
    return int(acc), (_valence(emo), _utility(ben, rec_id), float(reg))


def round_shares(row: np.ndarray, decimals: int = 6) -> dict[str, float]:
    """Round four shares to ``decimals`` places keeping their sum at 1.

    The rounding residual (at most a few ulps of ``10**-decimals``) is added to the largest
    share, which is the entry whose relative value it perturbs least.
    """
    vals = [round(float(v), decimals) for v in row]
    k = int(np.argmax(vals))
    vals[k] = round(vals[k] + (1.0 - sum(vals)), decimals)
    return dict(zip(SHARE_NAMES, vals, strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: add ``labels.surd`` to complete records of a JSONL file."""
    parser = argparse.ArgumentParser(
        prog="python -m redheart_lit.surd.targets",
        description="Add per-sample SURD shares (labels.surd) to a JSONL dataset.",
    )
    parser.add_argument("inp", type=Path, help="input JSONL")
    parser.add_argument("out", type=Path, help="output JSONL")
    parser.add_argument("--bins", type=int, default=3, help="quantile bins per agent")
    args = parser.parse_args(argv)

    with args.inp.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]

    complete: list[int] = []
    targets: list[int] = []
    agent_rows: list[tuple[float, float, float]] = []
    for i, rec in enumerate(records):
        got = record_agents(rec)
        if got is not None:
            complete.append(i)
            targets.append(got[0])
            agent_rows.append(got[1])

    if complete:
        sh = per_sample_shares(np.array(targets), np.array(agent_rows), bins=args.bins)
        for row_idx, rec_idx in enumerate(complete):
            # labels dicts keep their insertion order; "surd" is appended at the end
            records[rec_idx]["labels"]["surd"] = round_shares(sh[row_idx])

    with args.out.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"surd targets: {len(complete)}/{len(records)} records labelled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
