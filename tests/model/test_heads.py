"""ExpertHead: a plain MLP with one expert, a gated mixture with several."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from redheart_lit.model.config import HeadConfig
from redheart_lit.model.heads import ExpertHead


def _gelu(x: float) -> float:
    # Exact (erf) GELU, the default of torch.nn.functional.gelu.
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_one_expert_is_a_plain_mlp_by_hand() -> None:
    head = ExpertHead(in_dim=2, out_dim=1, config=HeadConfig(hidden=2, depth=1, n_experts=1))
    assert head.gate is None
    with torch.no_grad():
        # Stored as [experts, in, out].
        head.weights[0].copy_(torch.tensor([[[0.5, -1.0], [0.25, 2.0]]]))
        head.biases[0].copy_(torch.tensor([[0.1, -0.2]]))
        head.weights[1].copy_(torch.tensor([[[1.5], [-0.5]]]))
        head.biases[1].copy_(torch.tensor([[0.3]]))
    x = [1.0, -2.0]
    h0 = _gelu(1.0 * 0.5 + -2.0 * 0.25 + 0.1)  # = gelu(0.1)
    h1 = _gelu(1.0 * -1.0 + -2.0 * 2.0 - 0.2)  # = gelu(-5.2)
    expected = 1.5 * h0 - 0.5 * h1 + 0.3
    out = head(torch.tensor([x]))
    assert out.shape == (1, 1)
    assert out.item() == pytest.approx(expected, abs=1e-6)


def test_mixture_is_the_gate_weighted_sum_of_experts() -> None:
    torch.manual_seed(0)
    head = ExpertHead(in_dim=4, out_dim=3, config=HeadConfig(hidden=5, depth=2, n_experts=3))
    x = torch.randn(6, 4)
    assert head.gate is not None
    gate = torch.softmax(head.gate(x), dim=-1)  # [B, E]
    expected = torch.zeros(6, 3)
    for e in range(3):
        h = x
        for i, (w, b) in enumerate(zip(head.weights, head.biases, strict=True)):
            h = h @ w[e] + b[e]
            if i < len(head.weights) - 1:
                h = torch.nn.functional.gelu(h)
        expected += gate[:, e : e + 1] * h
    torch.testing.assert_close(head(x), expected)


@pytest.mark.parametrize(("depth", "experts"), [(1, 1), (2, 1), (3, 4)])
def test_parameter_count(depth: int, experts: int) -> None:
    head = ExpertHead(
        in_dim=6, out_dim=2, config=HeadConfig(hidden=8, depth=depth, n_experts=experts)
    )
    dims = [6] + [8] * depth + [2]
    mlp = sum(a * b + b for a, b in itertools.pairwise(dims))
    gate = 6 * experts + experts if experts > 1 else 0
    assert sum(p.numel() for p in head.parameters()) == experts * mlp + gate


def test_init_matches_linear_scale() -> None:
    torch.manual_seed(0)
    head = ExpertHead(in_dim=16, out_dim=4, config=HeadConfig(hidden=32, depth=1, n_experts=2))
    assert head.weights[0].abs().max() <= 1 / math.sqrt(16)
    assert head.weights[1].abs().max() <= 1 / math.sqrt(32)
    assert all((b == 0).all() for b in head.biases)
