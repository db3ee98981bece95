"""Optimizer and learning-rate schedule factories (used as ``_partial_`` from config)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn


def parameter_groups(modules: Iterable[nn.Module], weight_decay: float) -> list[dict]:
    """Decay weight matrices only: decaying biases, norms and scalars only hurts.

    Vectors are never decayed. A module lists matrices that are not weights in a
    ``no_weight_decay`` attribute (parameter names), e.g. stacked expert biases or the
    Kalman transition, whose prior is the identity rather than zero.
    """
    decay, no_decay = [], []
    for module in modules:
        exempt: set[int] = set()
        for owner in module.modules():
            for name in getattr(owner, "no_weight_decay", ()):
                attr = getattr(owner, name)
                params = attr.parameters() if isinstance(attr, nn.Module) else [attr]
                exempt.update(id(p) for p in params)
        for param in module.parameters():
            if param.requires_grad:
                keep = param.dim() < 2 or id(param) in exempt
                (no_decay if keep else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def adamw(
    groups: list[dict],
    lr: float = 1e-4,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    eight_bit: bool = False,
) -> torch.optim.Optimizer:
    """AdamW, or 8-bit AdamW when ``eight_bit``.

    8-bit state takes ~2 bytes per parameter instead of 8. On CUDA it uses bitsandbytes
    (``pip install redheart_lit[gpu]``); elsewhere, or without bitsandbytes, torchao. A
    missing implementation is an error, never a silent fall back to 32-bit state.
    """
    betas = (float(betas[0]), float(betas[1]))
    if not eight_bit:
        return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    on_cuda = any(p.is_cuda for g in groups for p in g["params"])
    if on_cuda:
        try:
            import bitsandbytes as bnb
        except ImportError:
            bnb = None
        if bnb is not None:
            return bnb.optim.AdamW8bit(groups, lr=lr, betas=betas, eps=eps)
    try:
        from torchao.optim import AdamW8bit
    except ImportError as err:
        raise ImportError(
            "optimizer.eight_bit=true needs bitsandbytes (CUDA) or torchao; "
            "install one, or set memory.optimizer_8bit=false"
        ) from err
    return AdamW8bit(groups, lr=lr, betas=betas, eps=eps)


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes the optimizer state really occupies, each storage counted once.

    8-bit states are tensor subclasses whose nominal dtype is fp32 (torchao's
    ``OptimState8bit``): their storage is the inner tensors that ``__tensor_flatten__``
    names (uint8 codes, the block scales, the quantisation map), so those are counted.
    bitsandbytes keeps plain uint8 tensors, counted as they are.
    """
    seen: set[tuple[str, int]] = set()

    def storage_bytes(tensor: torch.Tensor) -> int:
        if hasattr(tensor, "__tensor_flatten__"):
            names, _ = tensor.__tensor_flatten__()
            return sum(storage_bytes(getattr(tensor, name)) for name in names)
        storage = tensor.untyped_storage()
        key = (str(tensor.device), storage.data_ptr())
        if key in seen:
            return 0
        seen.add(key)
        return storage.nbytes()

    return sum(
        storage_bytes(value)
        for state in optimizer.state.values()
        for value in state.values()
        if isinstance(value, torch.Tensor)
    )


def cosine_schedule(
    optimizer: torch.optim.Optimizer,
    total_steps: int,
    warmup_steps: int = 0,
    min_lr_ratio: float = 0.0,
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up, then cosine annealing to ``min_lr_ratio * lr`` at ``total_steps``."""
    total_steps = max(1, int(total_steps))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
