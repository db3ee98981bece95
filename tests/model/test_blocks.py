"""Transformer building blocks: exact values, masking and gradient checkpointing."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import redheart_lit.model.blocks as blocks
from redheart_lit.model.blocks import (
    AttentionPool,
    SelfAttention,
    SwiGLU,
    TransformerBlock,
    TransformerStack,
    masked_mean,
)


def _mask(*lengths: int, length: int) -> torch.Tensor:
    """``[B, length]`` bool mask, True on the first ``lengths[b]`` positions."""
    return torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]


def test_swiglu_by_hand() -> None:
    torch.manual_seed(0)
    ffn = SwiGLU(dim=3, hidden=4, dropout=0.0)
    x = torch.randn(2, 3)
    w1, w3, w2 = ffn.w1.weight, ffn.w3.weight, ffn.w2.weight
    a, b = x @ w1.T, x @ w3.T
    expected = (a * torch.sigmoid(a) * b) @ w2.T  # silu(a) = a * sigmoid(a)
    torch.testing.assert_close(ffn(x), expected)


def test_attention_rejects_indivisible_heads() -> None:
    with pytest.raises(ValueError, match="d_model=10 is not divisible by n_heads=3"):
        SelfAttention(10, 3, 0.0)


def test_attention_ignores_masked_keys() -> None:
    torch.manual_seed(0)
    attn = SelfAttention(8, 2, 0.0).eval()
    x = torch.randn(1, 5, 8)
    mask = _mask(3, length=5)
    y = attn(x, mask)
    x2 = x.clone()
    x2[:, 3:] = 100.0  # garbage in the padding
    torch.testing.assert_close(attn(x2, mask)[:, :3], y[:, :3])
    assert y.shape == (1, 5, 8)


def test_single_head_attention_by_hand() -> None:
    torch.manual_seed(0)
    attn = SelfAttention(4, 1, 0.0).eval()
    x = torch.randn(1, 3, 4)
    mask = _mask(2, length=3)
    q, k, v = (x @ attn.qkv.weight.T + attn.qkv.bias).split(4, dim=-1)
    scores = (q @ k.transpose(1, 2)) / 2.0  # sqrt(head dim 4)
    scores[..., 2] = float("-inf")  # key 2 is padding
    expected = attn.out(scores.softmax(-1) @ v)
    torch.testing.assert_close(attn(x, mask), expected)


def test_stack_shapes_and_padding_invariance() -> None:
    torch.manual_seed(0)
    stack = TransformerStack(dim=8, n_layers=2, n_heads=2, ffn_dim=16, dropout=0.0).eval()
    x = torch.randn(1, 4, 8)
    y = stack(x, _mask(4, length=4))
    assert y.shape == (1, 4, 8)
    padded = torch.cat([x, torch.randn(1, 3, 8)], dim=1)
    y_padded = stack(padded, _mask(4, length=7))
    torch.testing.assert_close(y_padded[:, :4], y, atol=1e-5, rtol=0)


def test_block_is_pre_norm_with_residuals() -> None:
    torch.manual_seed(0)
    block = TransformerBlock(8, 2, 16, 0.0).eval()
    x, mask = torch.randn(2, 3, 8), _mask(3, 2, length=3)
    h = x + block.attn(block.norm1(x), mask)
    torch.testing.assert_close(block(x, mask), h + block.ffn(block.norm2(h)))


def _grads(stack: TransformerStack, x: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
    stack.zero_grad()
    x = x.clone().requires_grad_(True)
    y = stack(x, mask)
    (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
    assert x.grad is not None
    return [y.detach(), x.grad, *(p.grad.clone() for p in stack.parameters())]


def test_gradient_checkpointing_gives_identical_outputs_and_gradients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch.manual_seed(0)
    stack = TransformerStack(dim=8, n_layers=2, n_heads=2, ffn_dim=16, dropout=0.0).train()
    x, mask = torch.randn(2, 5, 8), _mask(5, 3, length=5)
    plain = _grads(stack, x, mask)

    # Count the checkpoint calls, so the test fails if the flag silently does nothing.
    calls: list[int] = []
    real_checkpoint = blocks.checkpoint

    def counting(*args: object, **kwargs: object) -> torch.Tensor:
        calls.append(1)
        return real_checkpoint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks, "checkpoint", counting)
    stack.gradient_checkpointing = True
    checkpointed = _grads(stack, x, mask)
    assert len(calls) == 2  # one per block
    for a, b in zip(plain, checkpointed, strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_checkpointing_is_off_in_eval_and_without_grad(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = TransformerStack(dim=8, n_layers=1, n_heads=2, ffn_dim=16, dropout=0.0)
    stack.gradient_checkpointing = True
    monkeypatch.setattr(blocks, "checkpoint", lambda *a, **k: pytest.fail("checkpointed"))
    x, mask = torch.randn(1, 3, 8), _mask(3, length=3)
    stack.eval()(x, mask)
    with torch.no_grad():
        stack.train()(x, mask)


def test_attention_pool_with_zero_query_is_the_masked_mean() -> None:
    # The query starts at zero: every real token gets the same weight.
    torch.manual_seed(0)
    pool = AttentionPool(4)
    x = torch.randn(2, 5, 4)
    mask = _mask(2, 5, length=5)
    torch.testing.assert_close(pool(x, mask), masked_mean(x, mask))
    torch.testing.assert_close(pool(x, mask)[0], x[0, :2].mean(0))


def test_attention_pool_weights_by_hand() -> None:
    pool = AttentionPool(2)
    with torch.no_grad():
        pool.query.copy_(torch.tensor([1.0, 0.0]))
    x = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [9.0, 9.0]]])
    mask = _mask(2, length=3)
    # scores = x @ q / sqrt(2) = [2, 0] / sqrt 2 on the real tokens; the third is padding.
    w = F.softmax(torch.tensor([2.0, 0.0]) / 2**0.5, dim=0)
    expected = w[0] * x[0, 0] + w[1] * x[0, 1]
    torch.testing.assert_close(pool(x, mask)[0], expected)


def test_masked_mean_by_hand() -> None:
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[5.0], [7.0], [9.0]]])
    mask = _mask(2, 3, length=3)
    assert masked_mean(x, mask).tolist() == [[2.0], [7.0]]
    # An all-padding row gives zeros, not NaN.
    assert masked_mean(x, _mask(0, 3, length=3))[0].tolist() == [0.0]
