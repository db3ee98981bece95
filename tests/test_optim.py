"""Optimizer factories: decay groups, 8-bit AdamW state size and the cosine schedule."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from redheart_lit.model.config import HeadConfig
from redheart_lit.model.heads import ExpertHead
from redheart_lit.optim import adamw, cosine_schedule, optimizer_state_bytes, parameter_groups


def _ids(params: list[nn.Parameter]) -> set[int]:
    return {id(p) for p in params}


def test_matrices_decay_vectors_do_not() -> None:
    linear, norm = nn.Linear(4, 3), nn.LayerNorm(3)
    frozen = nn.Linear(2, 2)
    frozen.requires_grad_(False)
    decay, no_decay = parameter_groups([nn.Sequential(linear, norm), frozen], weight_decay=0.1)
    assert decay["weight_decay"] == 0.1
    assert no_decay["weight_decay"] == 0.0
    assert _ids(decay["params"]) == {id(linear.weight)}
    assert _ids(no_decay["params"]) == {id(linear.bias), id(norm.weight), id(norm.bias)}


def test_expert_head_biases_do_not_decay() -> None:
    head = ExpertHead(4, 2, HeadConfig(hidden=3, depth=1, n_experts=1))
    _, no_decay = parameter_groups([head], weight_decay=0.1)
    assert _ids(list(head.biases)) <= _ids(no_decay["params"])


def test_adamw_32_bit() -> None:
    model = nn.Linear(3, 3)
    optimizer = adamw(parameter_groups([model], 0.01), lr=0.5, betas=[0.8, 0.9])  # type: ignore[arg-type]
    assert type(optimizer) is torch.optim.AdamW
    assert optimizer.param_groups[0]["lr"] == 0.5
    # Hydra passes lists; the optimizer gets float tuples.
    assert optimizer.param_groups[0]["betas"] == (0.8, 0.9)


def _one_step_on(optimizer: torch.optim.Optimizer, model: nn.Module, x: torch.Tensor) -> None:
    model(x).sum().backward()
    optimizer.step()


def _one_step(optimizer: torch.optim.Optimizer, model: nn.Module) -> None:
    _one_step_on(optimizer, model, torch.randn(4, 256))


def test_adamw_8_bit_on_cpu_is_torchao_and_small(monkeypatch: pytest.MonkeyPatch) -> None:
    torchao_optim = pytest.importorskip("torchao.optim")
    torch.manual_seed(0)
    # One 256x256 matrix: torchao quantizes tensors of >= 4096 values.
    model_8bit, model_32bit = nn.Linear(256, 256, bias=False), nn.Linear(256, 256, bias=False)
    eight = adamw(parameter_groups([model_8bit], 0.01), eight_bit=True)
    assert isinstance(eight, torchao_optim.AdamW8bit)
    full = adamw(parameter_groups([model_32bit], 0.01), eight_bit=False)
    # torchao compiles its update step with inductor, which takes seconds on CPU; the state
    # it allocates is the same in eager mode, so run the update eagerly.
    monkeypatch.setattr(torch, "compile", lambda fn, **kwargs: fn)
    before = model_8bit.weight.detach().clone()
    _one_step(eight, model_8bit)
    _one_step(full, model_32bit)
    assert not torch.equal(model_8bit.weight, before)  # it did update the weights
    assert optimizer_state_bytes(eight) <= 0.30 * optimizer_state_bytes(full)


def test_state_bytes_of_adamw_by_hand() -> None:
    # Per parameter tensor: two fp32 moments (8 B per value) and a 4-byte fp32 step.
    model = nn.Sequential(nn.Linear(5, 3), nn.Linear(3, 2, bias=False))
    optimizer = adamw(parameter_groups([model], 0.01))
    _one_step_on(optimizer, model, torch.randn(4, 5))
    assert optimizer_state_bytes(optimizer) == 8 * (15 + 3 + 6) + 4 * 3


def test_state_bytes_count_a_shared_storage_once() -> None:
    shared = torch.zeros(10)
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    optimizer.state["a"] = {"m": shared, "view": shared[2:5]}
    assert optimizer_state_bytes(optimizer) == 40


def _lrs(total: int, warmup: int, min_ratio: float, steps: int) -> list[float]:
    """Learning rate (base 1.0) at steps 0..steps-1."""
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = cosine_schedule(
        optimizer, total_steps=total, warmup_steps=warmup, min_lr_ratio=min_ratio
    )
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


def test_cosine_schedule_by_hand() -> None:
    lrs = _lrs(total=10, warmup=2, min_ratio=0.1, steps=13)
    # Warm-up: (step + 1) / (warmup + 1).
    assert lrs[0] == pytest.approx(1 / 3)
    assert lrs[1] == pytest.approx(2 / 3)
    # Peak when warm-up ends.
    assert lrs[2] == pytest.approx(1.0)
    # Half-way through the cosine (step 6 of 2..10): 0.1 + 0.9 * 0.5 * (1 + cos(pi / 2)).
    assert lrs[6] == pytest.approx(0.1 + 0.9 * 0.5)
    # Step 4: progress 2 / 8.
    assert lrs[4] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.25)))
    # End, and it stays at the floor beyond it.
    assert lrs[10] == pytest.approx(0.1)
    assert lrs[12] == pytest.approx(0.1)
    assert all(a >= b for a, b in itertools.pairwise(lrs[2:]))


def test_cosine_schedule_without_warmup_starts_at_the_peak() -> None:
    lrs = _lrs(total=4, warmup=0, min_ratio=0.0, steps=5)
    assert lrs == pytest.approx(
        [1.0, 0.5 * (1 + math.cos(math.pi / 4)), 0.5, 0.5 * (1 + math.cos(3 * math.pi / 4)), 0.0]
    )
