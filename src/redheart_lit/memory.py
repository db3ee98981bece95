"""Estimate peak GPU memory of a training step from the config alone.

    python -m redheart_lit.memory experiment=full_330m trainer=8gb

The estimate adds what lives at the peak of a step (the backward pass of a micro-batch):

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

import sys
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from redheart_lit.model import RedHeartConfig
from redheart_lit.params import build_on_meta

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
    config: RedHeartConfig,
    micro_batch: int,
    seq_len: int,
    precision: str,
    eight_bit: bool,
    counterfactual_fraction: float = 0.3,
) -> MemoryEstimate:
    """Peak bytes of one training step; see the module docstring for each term."""
    n_params = sum(p.numel() for p in build_on_meta(config.to_dict()).parameters())
    weight_bytes = 2 if precision in HALF_WEIGHTS else 4
    act_bytes = 2 if precision in MIXED or precision in HALF_WEIGHTS else 4
    optimizer = int(2 * n_params * (1 + 4 / EIGHT_BIT_BLOCK)) if eight_bit else 8 * n_params

    d = config.backbone.d_model
    text_tokens = micro_batch * seq_len
    # Only the Bentham and regret tasks encode counterfactual texts.
    reads_cf = bool({"bentham", "regret"} & set(config.tasks))
    cf_tokens = round(counterfactual_fraction * micro_batch) * seq_len if reads_cf else 0
    # (tokens, ffn width) of every block pass in one step.
    passes = [(text_tokens, config.backbone.ffn_dim)] * config.backbone.n_layers
    passes += [(cf_tokens, config.backbone.ffn_dim)] * config.backbone.n_layers
    for task in config.tasks:
        analyzer = config.analyzers[task]
        if not analyzer.enabled:
            continue
        passes += [(text_tokens, analyzer.ffn_dim)] * analyzer.n_layers
        if task in ("bentham", "regret"):
            passes += [(cf_tokens, analyzer.ffn_dim)] * analyzer.n_layers
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


def main(argv: list[str] | None = None) -> MemoryEstimate:
    from omegaconf import OmegaConf

    from redheart_lit.cli import compose

    cfg = compose(list(sys.argv[1:] if argv is None else argv))
    config = RedHeartConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
    micro_batch = int(cfg.data.batch_size)
    seq_len = config.tokenizer.max_length
    precision = str(cfg.trainer.precision)
    eight_bit = bool(cfg.optimizer.eight_bit)
    result = estimate(config, micro_batch, seq_len, precision, eight_bit)
    choices = cfg.hydra.runtime.choices
    console = Console()
    console.print(
        f"Estimated peak GPU memory for model={choices.model} trainer={choices.trainer}: "
        f"micro-batch {micro_batch} x {seq_len} tokens, accumulate "
        f"{cfg.trainer.accumulate_grad_batches}, precision {precision}, "
        f"8-bit AdamW {eight_bit}, checkpointing {config.gradient_checkpointing}"
    )
    table = Table()
    table.add_column("component")
    table.add_column("GiB", justify="right")
    for name in ("weights", "gradients", "optimizer", "activations", "buffers"):
        table.add_row(name, f"{getattr(result, name) / GIB:.2f}")
    table.add_row("total", f"{result.total / GIB:.2f}", style="bold")
    console.print(table)
    return result


if __name__ == "__main__":
    main()
