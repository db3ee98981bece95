"""One head class; the four task heads differ only in numbers (``model.config.heads``)."""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.model.config import HeadConfig


class ExpertHead(nn.Module):
    """A softly gated mixture of ``n_experts`` MLPs, ``in_dim -> out_dim``.

    Every expert is an MLP of ``depth`` hidden layers of width ``hidden`` (GELU). Experts
    are stored stacked, ``[E, in, out]``, so all of them run in one batched matmul. With
    ``n_experts == 1`` there is no gate and this is a plain MLP.
    """

    def __init__(self, in_dim: int, out_dim: int, config: HeadConfig) -> None:
        super().__init__()
        dims = [in_dim] + [config.hidden] * config.depth + [out_dim]
        e = config.n_experts
        self.weights = nn.ParameterList(
            nn.Parameter(torch.empty(e, d_in, d_out)) for d_in, d_out in itertools.pairwise(dims)
        )
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(e, d)) for d in dims[1:])
        self.gate = nn.Linear(in_dim, e) if e > 1 else None
        # Stacked biases are matrices [E, out]; they are still biases (see optim.py).
        self.no_weight_decay = ("biases",)
        for w in self.weights:
            # Same scale as nn.Linear's default, per expert.
            nn.init.uniform_(w, -1 / math.sqrt(w.shape[1]), 1 / math.sqrt(w.shape[1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``[B, in_dim]`` -> ``[B, out_dim]``."""
        h = x.unsqueeze(0).expand(len(self.weights[0]), -1, -1)  # [E, B, in]
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(b.unsqueeze(1).to(h.dtype), h, w.to(h.dtype))
            if i < last:
                h = F.gelu(h)
        if self.gate is None:
            return h[0]
        gate = self.gate(x).softmax(dim=-1)  # [B, E]
        return torch.einsum("be,ebo->bo", gate.to(h.dtype), h)
