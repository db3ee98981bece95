"""Tests for the exact SURD decomposition (hand-derived values, conservation, errors)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redheart_lit.surd.decomposition import (
    SHARE_NAMES,
    SurdResult,
    histogram,
    shares,
    state_shares,
    surd,
    surd_state,
)

TOL = 1e-6


def _gate(fn, n_agents: int = 2) -> np.ndarray:
    """Joint pmf [T, A1, ..., AN] of T = fn(a) with independent uniform binary agents."""
    p = np.zeros((2,) + (2,) * n_agents)
    for a in itertools.product((0, 1), repeat=n_agents):
        p[(fn(*a), *a)] += 1.0
    return p / p.sum()


def _total(res: SurdResult) -> float:
    return sum(res.redundant.values()) + sum(res.unique.values()) + sum(res.synergy.values())


def _assert_conserved(res: SurdResult) -> None:
    full = max(res.mutual_info, key=len)
    assert _total(res) == pytest.approx(res.mutual_info[full], abs=TOL)
    for d in (res.redundant, res.unique, res.synergy):
        assert all(v >= -1e-12 for v in d.values())
    np.testing.assert_allclose(shares(res).sum(), 1.0, atol=TOL)


def test_share_names() -> None:
    assert SHARE_NAMES == ("synergy", "unique", "redundant", "leak")


def test_xor_is_pure_synergy() -> None:
    res = surd(_gate(lambda a, b: a ^ b))
    assert res.synergy[(1, 2)] == pytest.approx(1.0, abs=TOL)
    assert res.redundant[(1, 2)] == pytest.approx(0.0, abs=TOL)
    assert res.unique[1] == pytest.approx(0.0, abs=TOL)
    assert res.unique[2] == pytest.approx(0.0, abs=TOL)
    assert res.leak == pytest.approx(0.0, abs=TOL)
    assert res.entropy == pytest.approx(1.0, abs=TOL)
    assert res.mutual_info[(1,)] == pytest.approx(0.0, abs=TOL)
    assert res.mutual_info[(1, 2)] == pytest.approx(1.0, abs=TOL)
    np.testing.assert_allclose(shares(res), [1.0, 0.0, 0.0, 0.0], atol=TOL)
    _assert_conserved(res)


def test_copy_is_pure_unique() -> None:
    res = surd(_gate(lambda a, b: a))
    assert res.unique[1] == pytest.approx(1.0, abs=TOL)
    assert res.unique[2] == pytest.approx(0.0, abs=TOL)
    assert res.redundant[(1, 2)] == pytest.approx(0.0, abs=TOL)
    assert res.synergy[(1, 2)] == pytest.approx(0.0, abs=TOL)
    assert res.leak == pytest.approx(0.0, abs=TOL)
    np.testing.assert_allclose(shares(res), [0.0, 1.0, 0.0, 0.0], atol=TOL)
    _assert_conserved(res)


def test_duplicated_agents_are_redundant() -> None:
    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5  # T = A1 = A2
    res = surd(p)
    assert res.redundant[(1, 2)] == pytest.approx(1.0, abs=TOL)
    assert res.unique[1] == pytest.approx(0.0, abs=TOL)
    assert res.unique[2] == pytest.approx(0.0, abs=TOL)
    assert res.synergy[(1, 2)] == pytest.approx(0.0, abs=TOL)
    np.testing.assert_allclose(shares(res), [0.0, 0.0, 1.0, 0.0], atol=TOL)
    _assert_conserved(res)


def test_and_gate_hand_derived() -> None:
    # T = A1 AND A2, A1, A2 iid uniform bits: p(T=1) = 1/4, p(T=0) = 3/4.
    # H(T) = -(1/4)log2(1/4) - (3/4)log2(3/4) = 2 - (3/4)log2(3); T is a function of A,
    # so I(T; A1A2) = H(T) and the leak is 0.
    # State T=1 (only a=(1,1)): Is(1; A1) = log2(p(T=1|A1=1)/p(T=1)) = log2((1/2)/(1/4)) = 1,
    #   same for A2; Is(1; A1A2) = log2(1/(1/4)) = 2.  Sorted: 1, 1, 2 ->
    #   R12 += 1 (first singleton, two active), U2 += 0, S12 += 2 - 1 = 1.
    # State T=0: p(A1=0|T=0) = 2/3 with p(T=0|A1=0) = 1; p(A1=1|T=0) = 1/3 with
    #   p(T=0|A1=1) = 1/2, so Is(0; A1) = (2/3)log2(4/3) + (1/3)log2(2/3) = Is(0; A2);
    #   Is(0; A1A2) = log2(1/(3/4)) = log2(4/3).  Sorted -> R12 += Is(0; A1),
    #   U2 += 0, S12 += log2(4/3) - Is(0; A1).
    # Weighting: R = 1/4 + (3/4)Is(0; A1) = 1/4 + (1/2)log2(4/3) + (1/4)log2(2/3)
    #              = 3/2 - (3/4)log2(3) ~= 0.311278
    #            S = 1/4 + (3/4)(log2(4/3) - Is(0; A1)) = 1/2 exactly, U = 0.
    log3 = np.log2(3.0)
    res = surd(_gate(lambda a, b: a & b))
    h = 2.0 - 0.75 * log3
    assert res.entropy == pytest.approx(h, abs=TOL)
    assert res.redundant[(1, 2)] == pytest.approx(1.5 - 0.75 * log3, abs=TOL)
    assert res.synergy[(1, 2)] == pytest.approx(0.5, abs=TOL)
    assert res.unique[1] == pytest.approx(0.0, abs=TOL)
    assert res.unique[2] == pytest.approx(0.0, abs=TOL)
    assert res.leak == pytest.approx(0.0, abs=TOL)
    # I(T; A1) = H(T) - H(T|A1) = H(T) - 1/2 (H(T|A1=1) = 1 bit, H(T|A1=0) = 0)
    assert res.mutual_info[(1,)] == pytest.approx(h - 0.5, abs=TOL)
    assert res.mutual_info[(1, 2)] == pytest.approx(h, abs=TOL)
    _assert_conserved(res)
    # state-resolved: T=1 has surprisal 2 bits, R = S = 1 bit each -> shares 1/2, 1/2.
    np.testing.assert_allclose(state_shares(_gate(lambda a, b: a & b), 1), [0.5, 0, 0.5, 0])


def test_and_gate_single_agent_mutual_info() -> None:
    # I(T; A1) = H(T) - H(T|A1) = (2 - 0.75 log2 3) - 0.5 * 1  (H(T|A1=1) = 1, H(T|A1=0) = 0)
    res = surd(_gate(lambda a, b: a & b))
    assert res.mutual_info[(1,)] == pytest.approx(1.5 - 0.75 * np.log2(3.0), abs=TOL)


def test_three_agent_keys_and_higher_order_synergy() -> None:
    # T = A1 xor A2 xor A3: only the triple knows anything -> S(1,2,3) = 1 bit.
    res = surd(_gate(lambda a, b, c: a ^ b ^ c, n_agents=3))
    assert set(res.unique) == {1, 2, 3}
    assert set(res.synergy) == {(1, 2), (1, 3), (2, 3), (1, 2, 3)}
    assert set(res.redundant) == set(res.synergy)
    assert len(res.mutual_info) == 7
    assert res.synergy[(1, 2, 3)] == pytest.approx(1.0, abs=TOL)
    assert _total(res) == pytest.approx(1.0, abs=TOL)


def test_noisy_continuous_three_agents() -> None:
    rng = np.random.default_rng(0)
    n = 400_000
    a1, a2, a3 = rng.normal(size=(3, n))
    t = a1 + 0.5 * a2**2 + 0.3 * rng.normal(size=n)
    res = surd(histogram(t, a1, a2, a3, bins=4))
    _assert_conserved(res)
    h = res.entropy
    # the independent agent carries (almost) nothing: plug-in bias only (~cells / N)
    assert res.unique[3] / h < 1e-3
    assert res.mutual_info[(3,)] < 1e-3
    assert res.unique[1] > res.unique[3]
    s = shares(res)
    assert s.sum() == pytest.approx(1.0, abs=TOL)
    assert np.all(s >= -1e-12)
    assert 0.0 < s[3] < 1.0  # noise leaves some leak


def test_state_shares_sum_to_one_and_average_to_global() -> None:
    rng = np.random.default_rng(1)
    p = rng.random((3, 2, 3, 2)) ** 3
    res = surd(p)
    pt = p.sum(axis=(1, 2, 3)) / p.sum()
    acc = np.zeros(3)
    for t in range(3):
        st_ = state_shares(p, t)
        assert st_.sum() == pytest.approx(1.0, abs=TOL)
        assert np.all(st_ >= -1e-12)
        # un-normalise: share * surprisal = bits; p(t)-weighted average gives global bits
        acc += pt[t] * (-np.log2(pt[t])) * st_[:3]
    glob = np.array(
        [sum(res.synergy.values()), sum(res.unique.values()), sum(res.redundant.values())]
    )
    np.testing.assert_allclose(acc, glob, atol=TOL)
    r_state = surd_state(p, 0)
    assert r_state.entropy == pytest.approx(-np.log2(pt[0]))


def test_single_agent_is_all_unique() -> None:
    p = np.array([[0.4, 0.1], [0.1, 0.4]])
    res = surd(p)
    assert res.redundant == {}
    assert res.synergy == {}
    assert res.unique[1] == pytest.approx(res.mutual_info[(1,)], abs=TOL)
    _assert_conserved(res)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(2, 3), min_size=3, max_size=4),
    seed=st.integers(0, 2**31 - 1),
)
def test_random_pmfs_conserve_and_permute(shape: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.random(shape) ** 2
    res = surd(p)
    _assert_conserved(res)
    assert 0.0 <= res.leak <= 1.0
    # relabelling the agents relabels the decomposition (generic pmfs: no ties)
    n = p.ndim - 1
    perm = list(rng.permutation(n) + 1)  # new axis k+1 holds old agent perm[k]
    q = np.transpose(p, [0, *perm])
    res_q = surd(q)
    new_of_old = {old: new + 1 for new, old in enumerate(perm)}
    for old, val in res.unique.items():
        assert res_q.unique[new_of_old[old]] == pytest.approx(val, abs=TOL)
    for old_key, val in res.synergy.items():
        new_key = tuple(sorted(new_of_old[i] for i in old_key))
        assert res_q.synergy[new_key] == pytest.approx(val, abs=TOL)
        assert res_q.redundant[new_key] == pytest.approx(res.redundant[old_key], abs=TOL)


def test_counts_are_normalised() -> None:
    p = _gate(lambda a, b: a ^ b)
    assert surd(p * 37.0).synergy[(1, 2)] == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.array([0.5, 0.5]), "ndim"),
        (np.array([[0.5, np.nan], [0.2, 0.3]]), "non-finite"),
        (np.array([[0.5, -0.1], [0.3, 0.3]]), "negative"),
        (np.zeros((2, 2)), "all zero"),
        (np.array([[0.5, 0.5], [0.0, 0.0]]), "entropy"),
    ],
)
def test_surd_rejects_bad_input(bad: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        surd(bad)


def test_state_shares_errors() -> None:
    p = np.array([[0.5, 0.5], [0.0, 0.0]])
    with pytest.raises(ValueError, match="probability 0"):
        state_shares(p, 1)
    with pytest.raises(ValueError, match="probability 1"):
        state_shares(p, 0)
    with pytest.raises(ValueError, match="out of range"):
        state_shares(_gate(lambda a, b: a), 5)
    with pytest.raises(ValueError, match="ndim"):
        state_shares(np.ones(3), 0)


def test_histogram_discrete_and_binned() -> None:
    t = np.array([0, 1, 1, 0])
    a = np.array([0, 1, 2, 2])
    h = histogram(t, a)
    assert h.shape == (2, 3)
    assert h.sum() == 4
    assert h[1, 2] == 1
    assert h[0, 2] == 1
    x = np.array([0.0, 0.49, 0.5, 1.0])
    hb = histogram(t, x, bins=[None, 2])
    np.testing.assert_array_equal(hb, [[1, 1], [1, 1]])
    assert histogram(x, x, bins=2).shape == (2, 2)
    with pytest.raises(ValueError, match="integer"):
        histogram(t, x)
    with pytest.raises(ValueError, match="length"):
        histogram(t, a[:3])
    with pytest.raises(ValueError, match="at least one agent"):
        histogram(t)
