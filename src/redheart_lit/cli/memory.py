"""Estimate peak GPU memory of a training step from the config alone.

    python -m redheart_lit.cli.memory experiment=full_330m trainer=8gb

What the estimate counts: :mod:`redheart_lit.tasks.sizes`.
"""

from __future__ import annotations

import sys

from omegaconf import OmegaConf
from rich.console import Console
from rich.table import Table

from redheart_lit.cli.compose import compose
from redheart_lit.model.config import ModelConfig
from redheart_lit.tasks.sizes import GIB, MemoryEstimate, estimate


def main(argv: list[str] | None = None) -> MemoryEstimate:
    cfg = compose(list(sys.argv[1:] if argv is None else argv))
    config = ModelConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
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
