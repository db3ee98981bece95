"""benchmarks/gpu_flops.py: the FLOP counter against hand counts, and the by-hand count."""

from __future__ import annotations

from pathlib import Path

import torch
from gpu_flops import count_flops, transformer_flops_per_sample
from torch import nn


def test_linear_forward_and_backward_flops_match_hand_count() -> None:
    """y = x W^T: forward 2mnk; backward 2mnk for dx plus 2mnk for dW."""
    m, k, n = 5, 7, 3
    layer = nn.Linear(k, n, bias=False)
    x = torch.randn(m, k, requires_grad=True)
    out: dict[str, torch.Tensor] = {}

    def forward() -> None:
        out["y"] = layer(x)

    assert count_flops(forward) == 2 * m * n * k
    assert count_flops(lambda: out["y"].sum().backward()) == 2 * (2 * m * n * k)


def test_cpu_attention_is_counted_like_the_cuda_kernels() -> None:
    """FlopCounterMode alone counts CPU attention as 0; the script maps it to torch's formula."""
    b, h, length, d = 2, 3, 16, 8
    q = torch.randn(b, h, length, d, requires_grad=True)
    mask = torch.ones(b, 1, 1, length, dtype=torch.bool)
    out: dict[str, torch.Tensor] = {}

    def forward() -> None:
        out["y"] = nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=mask)

    # Forward: scores Q K^T and the weighted sum A V, 2 L L d each per head.
    assert count_flops(forward) == 2 * (2 * b * h * length * length * d)
    # Backward as torch counts the fused kernels: scores recomputed + four products.
    assert count_flops(lambda: out["y"].sum().backward()) == 5 * (2 * b * h * length**2 * d)


def test_transformer_flops_by_hand(tmp_path: Path) -> None:
    """experiment=tiny: D=32, F=64, L=96; 1-layer backbone and four 1-layer analyzers."""
    from harness import compose_run

    model = compose_run(["experiment=tiny"], tmp_path).model.config
    per_layer = 96 * (8 * 32 * 32 + 6 * 32 * 64 + 4 * 96 * 32)  # 96 tokens
    text, cf = 5 * per_layer, 3 * per_layer  # cf: backbone, bentham and regret analyzers
    assert transformer_flops_per_sample(model, 0.25) == text + 0.25 * cf
