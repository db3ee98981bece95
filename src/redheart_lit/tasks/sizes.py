"""How big the model is: the parameter table by module group, and the peak-memory estimate.

Both read the trunk and each task's readout (``TaskReadout.parameter_parts`` and
``block_passes``), so a task's rows come from the task itself. The model is built on the
meta device, so even the full model costs no memory. CLIs: ``python -m
redheart_lit.cli.params`` and ``python -m redheart_lit.cli.memory``.

Memory estimate: what lives at the peak of a training step (the backward pass of a
micro-batch):

* **weights** -- fp32 master weights (mixed precision keeps fp32 parameters), 4 B/param;
  2 B/param for ``bf16-true``/``16-true``.
* **gradients** -- same dtype as the weights; they persist across accumulated micro-batches.
* **optimizer** -- AdamW keeps two fp32 moments (8 B/param); 8-bit AdamW keeps two int8
  moments plus one fp32 scale per block of 256 values (2 x (1 + 4/256) B/param).
* **activations** -- what autograd saves in each transformer block (listed in
  :func:`block_bytes_per_token`) for every token of the micro-batch, text and
  counterfactual rows, through the backbone and the analyzers that read them. With
  gradient checkpointing only each block's input is kept, and one block at a time is
  recomputed during backward.
* **buffers** -- a fixed margin for cuBLAS workspaces and temporaries.

Attention is assumed to run a fused kernel (no ``L x L`` matrix is saved), as
``scaled_dot_product_attention`` does on CUDA. Heads, pooling and the DSP/Kalman features
work on pooled vectors and are negligible next to the token states.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from rich.table import Table
from torch import nn

from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.readout.net import MultiTaskNet
from redheart_lit.tasks.spec import reads_counterfactual

# The design's budget for full_330m, in parameters (groups and per-task parts).
DESIGN: dict[str, float] = {
    "backbone": 50e6,
    "heads": 80e6,
    "heads/emotion": 22e6,
    "heads/bentham": 20e6,
    "heads/regret": 22e6,
    "heads/surd": 16e6,
    "analyzers": 170e6,
    "analyzers/emotion": 50e6,
    "analyzers/bentham": 45e6,
    "analyzers/regret": 50e6,
    "analyzers/surd": 25e6,
    "auxiliary": 30e6,
    "total": 330e6,
}
GROUPS = ("encoder", "backbone", "heads", "analyzers", "auxiliary")


@dataclass(frozen=True)
class ParamRow:
    name: str  # "backbone", "heads/emotion", ..., "total"
    count: int


def _count(*parts: nn.Module | nn.Parameter | None) -> int:
    total = 0
    for part in parts:
        if isinstance(part, nn.Parameter):
            total += part.numel()
        elif part is not None:
            total += sum(p.numel() for p in part.parameters())
    return total


def param_table(model: nn.Module) -> list[ParamRow]:
    """Rows for each group and each task's part of it, then the total.

    ``model`` is a :class:`MultiTaskNet`, a multitask module or a task module: anything
    with a ``trunk`` and readouts. Every parameter is in exactly one group; checked.
    """
    trunk = model.trunk
    readouts = _readouts(model)
    rows: list[ParamRow] = [ParamRow("backbone", _count(trunk.backbone))]
    if trunk.encoder is not None:  # a fine-tuned external encoder trains with the model
        rows.append(ParamRow("encoder", _count(trunk.encoder)))
    parts = {name: readout.parameter_parts() for name, readout in readouts.items()}
    for group in ("heads", "analyzers"):
        counts = {name: _count(*p[group]) for name, p in parts.items()}
        rows.append(ParamRow(group, sum(counts.values())))
        rows += [ParamRow(f"{group}/{name}", n) for name, n in counts.items()]
    aux = {"dsp": 0, "kalman": _count(trunk.kalman), "calibration": 0}
    for p in parts.values():
        for key, modules in p.items():
            if key.startswith("auxiliary/"):
                aux[key.split("/", 1)[1]] = aux.get(key.split("/", 1)[1], 0) + _count(*modules)
    rows.append(ParamRow("auxiliary", sum(aux.values())))
    rows += [ParamRow(f"auxiliary/{k}", n) for k, n in aux.items()]
    total = _count(trunk) + sum(_count(r) for r in readouts.values())
    grouped = sum(r.count for r in rows if r.name in GROUPS)
    if grouped != total:
        raise AssertionError(f"parameter groups cover {grouped} of {total} parameters")
    rows.append(ParamRow("total", total))
    return rows


def _readouts(model: nn.Module) -> dict[str, nn.Module]:
    if isinstance(model, MultiTaskNet):
        return dict(model.readouts.items())
    return model.readouts()  # a multitask module, or a task module trained alone


def build_on_meta(config: ModelConfig) -> MultiTaskNet:
    with torch.device("meta"):
        return MultiTaskNet(config)


def render(rows: list[ParamRow], title: str = "Parameters") -> Table:
    """A rich table; the design columns appear only for a full-size model."""
    full_size = rows[-1].count > 0.5 * DESIGN["total"]
    table = Table(title=title)
    table.add_column("module")
    table.add_column("parameters", justify="right")
    table.add_column("design", justify="right")
    table.add_column("vs design", justify="right")
    for row in rows:
        design = DESIGN.get(row.name) if full_size else None
        style = "bold" if "/" not in row.name else None
        table.add_row(
            row.name if "/" not in row.name else "  " + row.name.split("/", 1)[1],
            f"{row.count / 1e6:,.2f}M",
            f"{design / 1e6:,.0f}M" if design else "",
            f"{(row.count / design - 1) * 100:+.1f}%" if design else "",
            style=style,
        )
    return table


GIB = 1024**3
BUFFER_BYTES = 256 * 1024**2
EIGHT_BIT_BLOCK = 256
HALF_WEIGHTS = ("bf16-true", "16-true", "bf16", "16")
MIXED = ("bf16-mixed", "16-mixed")


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    gradients: int
    optimizer: int
    activations: int
    buffers: int

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer + self.activations + self.buffers


def block_bytes_per_token(d_model: int, ffn_dim: int, act_bytes: int, dropout: bool) -> int:
    """Bytes autograd saves per token in one :class:`~redheart_lit.model.blocks.TransformerBlock`.

    fp32 residual stream into both LayerNorms (2 x 4D); in the compute dtype: the two norm
    outputs, q, k, v and the attention output (6D), the output projection's input (D);
    SwiGLU saves w1 and w3 outputs, the SiLU output and their product (4F); dropout keeps
    one byte per element of its two masks (2D).
    """
    saved = 2 * 4 * d_model + (7 * d_model + 4 * ffn_dim) * act_bytes
    return saved + (2 * d_model if dropout else 0)


def estimate(
    config: ModelConfig,
    micro_batch: int,
    seq_len: int,
    precision: str,
    eight_bit: bool,
    counterfactual_fraction: float = 0.3,
) -> MemoryEstimate:
    """Peak bytes of one training step; see the module docstring for each term."""
    net = build_on_meta(config)
    n_params = sum(p.numel() for p in net.parameters())
    weight_bytes = 2 if precision in HALF_WEIGHTS else 4
    act_bytes = 2 if precision in MIXED or precision in HALF_WEIGHTS else 4
    optimizer = int(2 * n_params * (1 + 4 / EIGHT_BIT_BLOCK)) if eight_bit else 8 * n_params

    d = config.backbone.d_model
    text_tokens = micro_batch * seq_len
    # Counterfactual texts are encoded only when a task reads them.
    cf_tokens = (
        round(counterfactual_fraction * micro_batch) * seq_len
        if reads_counterfactual(config.tasks)
        else 0
    )
    # (tokens, ffn width) of every block pass in one step: backbone, then each analyzer.
    passes = [(text_tokens, config.backbone.ffn_dim)] * config.backbone.n_layers
    passes += [(cf_tokens, config.backbone.ffn_dim)] * config.backbone.n_layers
    for readout in net.readouts.values():
        passes += readout.block_passes(config, text_tokens, cf_tokens)
    dropout = config.backbone.dropout > 0
    full = [tokens * block_bytes_per_token(d, ffn, act_bytes, dropout) for tokens, ffn in passes]
    if config.gradient_checkpointing:
        # Each block keeps its fp32 input; the largest block is recomputed at a time.
        activations = sum(tokens * d * 4 for tokens, _ in passes) + max(full, default=0)
    else:
        activations = sum(full)
    # Embeddings and each stack's final norm output, fp32, for text and counterfactuals.
    stacks = 1 + sum(config.analyzers[t].enabled for t in config.tasks)
    activations += (text_tokens + cf_tokens) * d * 4 * stacks
    return MemoryEstimate(
        weights=weight_bytes * n_params,
        gradients=weight_bytes * n_params,
        optimizer=optimizer,
        activations=activations,
        buffers=BUFFER_BYTES,
    )
