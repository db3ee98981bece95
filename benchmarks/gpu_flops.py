"""Model FLOPs per training sample: counted by torch, and cross-checked by hand.

MFU needs the FLOPs the model does per sample. ``FlopCounterMode`` counts the matrix
products and attention of one forward and backward pass; :func:`transformer_flops_per_sample`
counts the transformer blocks by hand, and the report gives their ratio.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from gpu_train import free_memory
from harness import build, checkpoint_network, compose_run, network_parameters
from lightning.fabric.utilities.apply_func import move_data_to_device
from omegaconf import DictConfig
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count

from redheart_lit.data.batch import Batch
from redheart_lit.tasks import MultiTaskModule

Shape = tuple[int, ...]


def _cpu_sdpa(q: Shape, k: Shape, v: Shape, *args: Any, out_shape: Any = None, **kw: Any) -> int:
    return sdpa_flop_count(q, k, v)


def _cpu_sdpa_backward(
    grad: Shape, q: Shape, k: Shape, v: Shape, *args: Any, out_shape: Any = None, **kw: Any
) -> int:
    return sdpa_backward_flop_count(grad, q, k, v)


# FlopCounterMode knows the CUDA attention kernels but not the CPU one, which it would
# count as zero; the same formulas apply (forward: two L x L x Dh products; backward: the
# scores recomputed and four more products, as the fused CUDA kernels do).
_CPU_ATTENTION = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa,
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward: _cpu_sdpa_backward,
}


def count_flops(run: Callable[[], object]) -> int:
    """FLOPs of the matrix products and attention that ``run`` executes.

    Element-wise work (norms, activations, softmax) is not counted, as in every MFU figure.
    """
    with FlopCounterMode(display=False, custom_mapping=_CPU_ATTENTION) as counter:
        run()
    return int(counter.get_total_flops())


def _autocast(device: torch.device, precision: str) -> torch.autocast:
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision.startswith("bf16"))


def step_flops(
    module: MultiTaskModule, batch: Batch, device: torch.device, precision: str
) -> tuple[int, int]:
    """FLOPs ``(forward + loss, backward)`` of one training micro-batch of ``module``."""
    module.zero_grad(set_to_none=True)
    holder: dict[str, torch.Tensor] = {}

    def forward() -> None:
        with _autocast(device, precision):
            holder["loss"] = module.batch_loss(batch)

    forward_flops = count_flops(forward)
    backward_flops = count_flops(lambda: holder["loss"].backward())
    module.zero_grad(set_to_none=True)
    return forward_flops, backward_flops


def transformer_flops_per_sample(model: DictConfig, cf_fraction: float) -> float:
    """Forward FLOPs of the transformer blocks alone, by hand: the cross-check of the counter.

    Per token and layer (``D`` = d_model, ``F`` = FFN width, ``L`` = tokens): q, k, v and
    out projections ``8 D^2``, SwiGLU's three matrices ``6 D F``, attention scores and
    weighted sum ``4 L D``. A text runs the backbone and every enabled analyzer; a
    counterfactual the backbone and the Bentham and regret analyzers (docs/architecture.md).
    Heads, Kalman, DSP and the input layer are left out, so the counter should be a little
    higher.
    """
    d, length = int(model.backbone.d_model), int(model.tokenizer.max_length)

    def stack(layers: int, ffn: int) -> float:
        return layers * length * (8 * d * d + 6 * d * ffn + 4 * length * d)

    backbone = stack(int(model.backbone.n_layers), int(model.backbone.ffn_dim))
    analyzers = {
        task: stack(int(a.n_layers), int(a.ffn_dim)) if a.enabled else 0.0
        for task, a in model.analyzers.items()
        if task in model.tasks
    }
    cf = backbone + analyzers.get("bentham", 0.0) + analyzers.get("regret", 0.0)
    has_cf_reader = bool({"bentham", "regret"} & set(model.tasks))
    return backbone + sum(analyzers.values()) + (cf_fraction * cf if has_cf_reader else 0.0)


def model_flops(cfg_overrides: list[str], work: Path, device: torch.device) -> dict[str, Any]:
    """Model FLOPs per training sample of the configured run, and the parameter count.

    All texts have the same length, so a micro-batch's cost depends only on how many of its
    rows carry a counterfactual (the second backbone pass). Counting one batch without any
    and one where every row has one gives per sample::

        flops = F(no cf) / B + cf_fraction x (F(all cf) - F(no cf)) / B

    which is the mean over the training data, whatever mix the sampler draws.
    """
    cfg = compose_run([*cfg_overrides, "memory.gradient_checkpointing=false"], work / "flops")
    parts = build(cfg)
    parts.datamodule.setup("fit")
    records = parts.datamodule.records_for("train")
    size = int(cfg.data.batch_size)
    with_cf = [r for r in records if r.counterfactual]
    without = [r for r in records if not r.counterfactual]
    if len(with_cf) < size or len(without) < size:
        raise ValueError(f"need {size} records with and {size} without a counterfactual")
    module = parts.module.to(device).train()
    precision = str(cfg.trainer.precision)
    batches = [
        move_data_to_device(parts.datamodule.collate(rows[:size]), device)
        for rows in (without, with_cf)
    ]
    (f0, b0), (f1, b1) = (step_flops(module, b, device, precision) for b in batches)
    # Checkpointing on: the backward pass recomputes every transformer block's forward.
    checkpoint_network(module, True)
    (hf0, hb0), (hf1, hb1) = (step_flops(module, b, device, precision) for b in batches)
    cf_fraction = len(with_cf) / len(records)

    def per_sample(plain: int, all_cf: int) -> float:
        return plain / size + cf_fraction * (all_cf - plain) / size

    forward = per_sample(f0, f1)
    # The hand count assumes a backward pass of twice the forward (dx and dW per product).
    by_hand = 3 * transformer_flops_per_sample(cfg.model.config, cf_fraction)
    params = sum(p.numel() for p in network_parameters(module))
    trainable = sum(p.numel() for p in network_parameters(module) if p.requires_grad)
    result = {
        "method": (
            "torch.utils.flop_counter.FlopCounterMode (matmuls and attention; element-wise "
            "ops not counted) over forward + loss + backward of one micro-batch, gradient "
            "checkpointing off; per sample = F(no cf)/B + cf_fraction x (F(all cf) - F(no cf))/B"
        ),
        "micro_batch": size,
        "cf_fraction": round(cf_fraction, 4),
        "flops_per_sample": per_sample(f0 + b0, f1 + b1),
        "forward_flops_per_sample": forward,
        "backward_to_forward": round((b0 + b1) / (f0 + f1), 3),
        "by_hand_transformer_blocks_per_sample": by_hand,
        "counted_over_by_hand": round(per_sample(f0 + b0, f1 + b1) / by_hand, 4),
        "hardware_flops_per_sample_with_checkpointing": per_sample(hf0 + hb0, hf1 + hb1),
        "params": params,
        "trainable_params": trainable,
        "note": (
            "6 x params x tokens does not apply: the heads, Kalman and DSP modules see pooled "
            "vectors, and counterfactuals take a second pass through part of the model"
        ),
    }
    del module, parts, batches
    free_memory()
    return result
