"""Exact SURD decomposition of causality / information (numpy only, bits).

Implements the Synergistic-Unique-Redundant Decomposition (SURD) of
Martínez-Sánchez, Arranz & Lozano-Durán, "Decomposing causality into its synergistic,
unique, and redundant components", Nature Communications 15:9296 (2024), written from the
paper's definitions.

Conventions
-----------
* A joint distribution is an array ``p`` with the target ``T`` on axis 0 and the agents
  ``A_1 .. A_N`` on axes ``1 .. N`` (``N >= 1``). Histograms are accepted and normalised.
* Agents are numbered from 1 (axis number), so ``unique[1]`` is the unique information of
  the agent on axis 1 and ``synergy[(1, 2)]`` the synergy of agents 1 and 2.
* Everything is in bits (log base 2), float64.

Algorithm (per target state ``t``)
----------------------------------
1. For every non-empty subset ``i`` of agents compute the specific mutual information
   ``Is(t; A_i) = sum_a p(a | t) log2(p(t | a) / p(t)) = KL(p(a | t) || p(a)) >= 0``.
   It is non-decreasing when agents are added (marginalising cannot increase a KL
   divergence), so the full set has the largest value.
2. A combination of order ``M >= 2`` only keeps its value if it is not smaller than the
   maximum over all combinations of lower order; otherwise it is set to zero, i.e. it can
   contribute no synergy increment (the paper's exclusion rule: synergy is only the
   information *beyond* what any smaller group already gives).
3. Sort all values increasingly and take the increments between consecutive values.
   Walking along the sorted list, with ``active`` = agents whose singleton has not yet
   been passed: the increment attached to a singleton goes to redundancy of ``active``
   when ``len(active) > 1`` or to unique information of that agent when it is the last
   active one, after which the agent is removed from ``active``; the increment attached
   to a multi-agent combination goes to its synergy.
4. Weight each state's increments by ``p(t)`` and sum over ``t``.

The increments of state ``t`` telescope to ``max_i Is(t; A_i) = Is(t; A_all)``; since
``sum_t p(t) Is(t; A_all) = I(T; A_all)`` the decomposition is conservative:
``sum(R) + sum(U) + sum(S) = I(T; A_all)``, and ``H(T) = I(T; A_all) + H(T | A_all)``
with the last term reported as the (normalised) causality leak.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SHARE_NAMES",
    "SurdResult",
    "histogram",
    "shares",
    "state_shares",
    "surd",
    "surd_state",
]

SHARE_NAMES: tuple[str, str, str, str] = ("synergy", "unique", "redundant", "leak")
"""Order of the four entries returned by :func:`shares` and :func:`state_shares`."""


@dataclass(frozen=True)
class SurdResult:
    """Result of a SURD decomposition (all information quantities in bits).

    Attributes:
        redundant: ``{(i, j, ...): R}`` for every agent group of size >= 2 (1-based indices).
        unique: ``{i: U}`` for every agent (1-based index).
        synergy: ``{(i, j, ...): S}`` for every agent group of size >= 2.
        mutual_info: ``{(i, ...): I(T; A_i)}`` for every non-empty agent subset. For a
            state-resolved result (:func:`surd_state`) these are the specific informations
            ``Is(t; A_i)`` instead.
        leak: fraction of the target information not explained by all agents:
            ``H(T | A) / H(T)`` (state-resolved: ``1 - Is(t; A) / (-log2 p(t))``).
        entropy: ``H(T)`` in bits (state-resolved: ``-log2 p(t)``).
    """

    redundant: dict[tuple[int, ...], float]
    unique: dict[int, float]
    synergy: dict[tuple[int, ...], float]
    mutual_info: dict[tuple[int, ...], float]
    leak: float
    entropy: float


# ----------------------------------------------------------------------------- helpers


def _normalise(p: np.ndarray) -> np.ndarray:
    """Validate a joint histogram / distribution and return it as a float64 pmf.

    Args:
        p: array ``[n_T, n_1, ..., n_N]`` with the target on axis 0, ``N >= 1``.

    Returns:
        float64 array of the same shape summing to 1.

    Raises:
        ValueError: if ``p`` has fewer than 2 dims, non-finite or negative entries, or sums
            to zero.
    """
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim < 2:
        raise ValueError(
            f"p must have ndim >= 2 (target on axis 0, agents on axes 1..N); got ndim={arr.ndim}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("p contains non-finite entries (NaN or inf)")
    if np.any(arr < 0):
        raise ValueError("p contains negative entries; probabilities/counts must be >= 0")
    total = arr.sum()
    if total <= 0:
        raise ValueError("p is all zero; cannot normalise to a probability distribution")
    return arr / total


def _subsets(n_agents: int) -> list[tuple[int, ...]]:
    """All non-empty subsets of ``1..n_agents`` ordered by size, then lexicographically."""
    agents = range(1, n_agents + 1)
    return [c for m in range(1, n_agents + 1) for c in itertools.combinations(agents, m)]


def _entropy_bits(q: np.ndarray) -> float:
    """Shannon entropy in bits of a pmf (zero-probability cells contribute 0)."""
    nz = q[q > 0]
    return float(-(nz * np.log2(nz)).sum())


def _specific_info(p: np.ndarray, subsets: list[tuple[int, ...]]) -> np.ndarray:
    """Specific mutual information for every target state and agent subset.

    Args:
        p: normalised pmf ``[n_T, n_1, ..., n_N]``.
        subsets: agent subsets (1-based axis numbers), length ``K``.

    Returns:
        array ``[K, n_T]`` with ``Is(t; A_i) = sum_a p(a|t) log2(p(t, a) / (p(t) p(a)))``.
        Columns for states with ``p(t) = 0`` are 0 (those states never get any weight).
    """
    n_agents = p.ndim - 1
    p_t = p.reshape(p.shape[0], -1).sum(axis=1)  # [n_T]
    out = np.zeros((len(subsets), p.shape[0]), dtype=np.float64)
    t_shape = (-1,) + (1,) * n_agents
    for k, sub in enumerate(subsets):
        drop = tuple(ax for ax in range(1, n_agents + 1) if ax not in sub)
        # keepdims keeps broadcasting simple: p_ta is [n_T, n_i.., 1 for dropped axes]
        p_ta = p.sum(axis=drop, keepdims=True)
        p_a = p_ta.sum(axis=0, keepdims=True)
        denom = p_t.reshape(t_shape) * p_a
        with np.errstate(divide="ignore", invalid="ignore"):
            # cells with p(t, a) = 0 contribute 0 (0 log 0 = 0); where p(t, a) > 0 both
            # marginals are > 0, so the ratio is well defined there.
            terms = np.where(p_ta > 0, p_ta * np.log2(p_ta / denom), 0.0)
        joint_sum = terms.reshape(p.shape[0], -1).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            spec = np.where(p_t > 0, joint_sum / p_t, 0.0)
        # Is is a KL divergence, hence >= 0; clip round-off so increments stay non-negative.
        out[k] = np.maximum(spec, 0.0)
    return out


def _state_increments(
    spec_t: np.ndarray, subsets: list[tuple[int, ...]], n_agents: int
) -> tuple[dict[tuple[int, ...], float], dict[int, float], dict[tuple[int, ...], float]]:
    """Distribute one target state's specific informations into R, U, S increments.

    Args:
        spec_t: ``[K]`` specific informations ``Is(t; A_i)`` aligned with ``subsets``.
        subsets: agent subsets ordered by size (as returned by :func:`_subsets`).
        n_agents: number of agents ``N``.

    Returns:
        ``(redundant, unique, synergy)`` dictionaries of un-weighted increments (bits);
        their total equals ``max(spec_t) = Is(t; A_all)``.
    """
    red = {s: 0.0 for s in subsets if len(s) >= 2}
    syn = {s: 0.0 for s in subsets if len(s) >= 2}
    uni = dict.fromkeys(range(1, n_agents + 1), 0.0)

    sizes = np.array([len(s) for s in subsets])
    values = spec_t.astype(np.float64).copy()
    # Exclusion rule: an order-M group only counts if it beats every lower-order group.
    # The comparison uses the original values, so a group is judged against what smaller
    # groups actually know rather than against already-zeroed entries.
    for m in range(2, n_agents + 1):
        lower_max = spec_t[sizes < m].max()
        at_m = sizes == m
        values[at_m & (spec_t < lower_max)] = 0.0

    # Stable sort keeps ties in enumeration order (singletons first), which only matters
    # for zero-width increments and makes the output deterministic.
    order = np.argsort(values, kind="stable")
    sorted_vals = values[order]
    increments = np.diff(sorted_vals, prepend=0.0)

    active = list(range(1, n_agents + 1))
    for idx, inc in zip(order, increments, strict=True):
        group = subsets[idx]
        if len(group) == 1:
            if len(active) > 1:
                red[tuple(active)] += float(inc)
            else:
                uni[active[0]] += float(inc)
            active.remove(group[0])
        else:
            syn[group] += float(inc)
    return red, uni, syn


# -------------------------------------------------------------------------- public API


def surd(p: np.ndarray) -> SurdResult:
    """SURD decomposition of the information the agents carry about the target.

    Args:
        p: joint histogram or pmf ``[n_T, n_1, ..., n_N]``; target on axis 0, agents on
            axes ``1..N`` (``N >= 1``). Counts are normalised.

    Returns:
        :class:`SurdResult` with R/U/S in bits weighted over target states, ``mutual_info``
        ``I(T; A_i)`` for every subset, ``entropy = H(T)`` and ``leak = H(T|A) / H(T)``.
        Conservation: ``sum(R) + sum(U) + sum(S) == mutual_info[(1, ..., N)]``.

    Raises:
        ValueError: invalid ``p`` (see :func:`_normalise`) or ``H(T) == 0`` (a deterministic
            target carries no information, so shares and the leak are undefined).
    """
    pn = _normalise(p)
    n_agents = pn.ndim - 1
    subsets = _subsets(n_agents)
    p_t = pn.reshape(pn.shape[0], -1).sum(axis=1)
    h_t = _entropy_bits(p_t)
    if h_t <= 0:
        raise ValueError("target entropy H(T) is 0 (single target state); SURD shares undefined")

    spec = _specific_info(pn, subsets)  # [K, n_T]
    red = {s: 0.0 for s in subsets if len(s) >= 2}
    syn = {s: 0.0 for s in subsets if len(s) >= 2}
    uni = dict.fromkeys(range(1, n_agents + 1), 0.0)
    for t in np.flatnonzero(p_t > 0):
        r_t, u_t, s_t = _state_increments(spec[:, t], subsets, n_agents)
        w = float(p_t[t])
        for key, val in r_t.items():
            red[key] += w * val
        for key, val in s_t.items():
            syn[key] += w * val
        for key, val in u_t.items():
            uni[key] += w * val

    # I(T; A_i) = E_t[Is(t; A_i)] -- computed from the same numbers the increments use so
    # conservation holds to round-off.
    mi = {s: float(spec[k] @ p_t) for k, s in enumerate(subsets)}
    i_all = mi[subsets[-1]]
    leak = max(h_t - i_all, 0.0) / h_t
    return SurdResult(
        redundant=red, unique=uni, synergy=syn, mutual_info=mi, leak=leak, entropy=h_t
    )


def surd_state(p: np.ndarray, t: int) -> SurdResult:
    """State-resolved SURD for a single target state ``T = t``.

    The increments are the *specific* (un-weighted) ones of state ``t`` in bits. They sum
    to ``Is(t; A_all)``. The natural normaliser is the information content (surprisal) of
    the state, ``h(t) = -log2 p(t)``: because ``p(t | a) <= 1`` we have
    ``Is(t; A) = sum_a p(a|t) log2(p(t|a) / p(t)) <= -log2 p(t)``, so
    ``leak_t = 1 - Is(t; A_all) / h(t)`` lies in ``[0, 1]`` and
    ``S_t + U_t + R_t + leak_t = 1`` after dividing by ``h(t)``. It is the per-state
    analogue of the global normalisation: ``E_t[h(t)] = H(T)`` and
    ``E_t[Is(t; A)] = I(T; A)``.

    Args:
        p: joint histogram or pmf ``[n_T, n_1, ..., n_N]`` (target on axis 0).
        t: target state index on axis 0.

    Returns:
        :class:`SurdResult` whose R/U/S are the state's increments (bits),
        ``mutual_info`` the specific informations ``Is(t; A_i)``, ``entropy = -log2 p(t)``
        and ``leak = 1 - Is(t; A_all) / (-log2 p(t))``.

    Raises:
        ValueError: invalid ``p``, ``t`` out of range, ``p(t) == 0`` (state never occurs) or
            ``p(t) == 1`` (the state carries zero information, normaliser is 0).
    """
    pn = _normalise(p)
    n_t = pn.shape[0]
    if not (-n_t <= int(t) < n_t) or int(t) != t:
        raise ValueError(f"target state t={t} out of range for {n_t} target states")
    t = int(t) % n_t
    n_agents = pn.ndim - 1
    subsets = _subsets(n_agents)
    p_t = pn.reshape(n_t, -1).sum(axis=1)
    if p_t[t] <= 0:
        raise ValueError(f"target state t={t} has probability 0; state shares undefined")
    h_state = float(-np.log2(p_t[t]))
    if h_state <= 0:
        raise ValueError(
            f"target state t={t} has probability 1 (zero information); state shares undefined"
        )
    spec = _specific_info(pn, subsets)[:, t]
    red, uni, syn = _state_increments(spec, subsets, n_agents)
    mi = {s: float(spec[k]) for k, s in enumerate(subsets)}
    leak = max(h_state - mi[subsets[-1]], 0.0) / h_state
    return SurdResult(
        redundant=red, unique=uni, synergy=syn, mutual_info=mi, leak=leak, entropy=h_state
    )


def shares(result: SurdResult) -> np.ndarray:
    """Normalised (synergy, unique, redundant, leak) shares of a SURD result.

    Args:
        result: output of :func:`surd` (or :func:`surd_state`).

    Returns:
        float64 array ``[4]`` in :data:`SHARE_NAMES` order: ``sum(S)/H``, ``sum(U)/H``,
        ``sum(R)/H`` and ``leak`` where ``H = result.entropy``. Sums to 1 up to round-off.
    """
    h = result.entropy
    if h <= 0:
        raise ValueError("result.entropy is 0; shares undefined")
    s = sum(result.synergy.values()) / h
    u = sum(result.unique.values()) / h
    r = sum(result.redundant.values()) / h
    return np.array([s, u, r, result.leak], dtype=np.float64)


def state_shares(p: np.ndarray, t: int) -> np.ndarray:
    """Shares ``[4]`` (synergy, unique, redundant, leak) for target state ``t``.

    Normalised by the state's surprisal ``-log2 p(t)`` (see :func:`surd_state` for why);
    the four entries sum to 1.
    """
    return shares(surd_state(p, t))


def _as_state_indices(x: np.ndarray, bins: int | None, name: str) -> tuple[np.ndarray, int]:
    """Map one sample array to integer state indices ``[n]`` and the number of states."""
    arr = np.asarray(x)
    if bins is None:
        # Discrete data are used as-is: the value *is* the state index, so e.g. label 1 of
        # a binary target is state t=1 in the histogram.
        if arr.size and not np.all(np.isfinite(arr.astype(np.float64))):
            raise ValueError(f"{name} contains non-finite values")
        as_int = arr.astype(np.int64)
        if not np.array_equal(as_int, arr):
            raise ValueError(f"{name} is not integer-valued; pass bins=... to bin continuous data")
        if as_int.size and as_int.min() < 0:
            raise ValueError(f"{name} has negative values; discrete states must be >= 0")
        n_states = int(as_int.max()) + 1 if as_int.size else 1
        return as_int, n_states
    if int(bins) < 1:
        raise ValueError(f"bins for {name} must be >= 1, got {bins}")
    fx = arr.astype(np.float64)
    if not np.all(np.isfinite(fx)):
        raise ValueError(f"{name} contains non-finite values")
    lo, hi = float(fx.min()), float(fx.max())
    if hi <= lo:
        # constant variable: everything in one bin (it carries no information anyway)
        return np.zeros(fx.shape, dtype=np.int64), int(bins)
    idx = np.floor((fx - lo) / (hi - lo) * bins).astype(np.int64)
    # the maximum lands exactly on the upper edge; fold it into the last bin
    return np.clip(idx, 0, int(bins) - 1), int(bins)


def histogram(
    target: np.ndarray,
    *agents: np.ndarray,
    bins: int | Sequence[int | None] | None = None,
) -> np.ndarray:
    """Joint count histogram ``[n_T, n_1, ..., n_N]`` from paired samples.

    Args:
        target: ``[n]`` samples of the target (axis 0 of the result).
        *agents: ``N >= 1`` arrays ``[n]`` of agent samples (axes ``1..N``).
        bins: ``None`` -- every variable is discrete, non-negative integer-valued and used
            as-is (value = state index); an ``int`` -- every variable is binned into that
            many equal-width bins over its own range; a sequence of length ``N + 1`` --
            per variable (target first), each an ``int`` or ``None`` (discrete as-is).

    Returns:
        float64 count array (not normalised; :func:`surd` normalises).
    """
    if not agents:
        raise ValueError("histogram needs at least one agent array")
    arrays = [np.asarray(target), *(np.asarray(a) for a in agents)]
    n = arrays[0].shape
    for k, a in enumerate(arrays):
        if a.ndim != 1:
            raise ValueError(f"variable {k} must be 1-D, got shape {a.shape}")
        if a.shape != n:
            raise ValueError(f"variable {k} has length {a.shape[0]}, expected {n[0]}")
    if n[0] == 0:
        raise ValueError("no samples")
    if bins is None or isinstance(bins, (int, np.integer)):
        per_var: list[int | None] = [None if bins is None else int(bins)] * len(arrays)
    else:
        per_var = list(bins)
        if len(per_var) != len(arrays):
            raise ValueError(
                f"bins sequence has length {len(per_var)}, expected {len(arrays)} (target + agents)"
            )
    names = ["target"] + [f"agent {i}" for i in range(1, len(arrays))]
    indexed = [_as_state_indices(a, b, nm) for a, b, nm in zip(arrays, per_var, names, strict=True)]
    shape = tuple(k for _, k in indexed)
    flat = np.ravel_multi_index(tuple(i for i, _ in indexed), shape)
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    return counts.reshape(shape).astype(np.float64)
