"""The memory estimator's arithmetic, term by term, against hand computation."""

from __future__ import annotations

import pytest

from redheart_lit.model import ModelConfig
from redheart_lit.tasks import sizes as memory
from redheart_lit.tasks.sizes import build_on_meta

# One task, one backbone layer, one analyzer layer: small enough to add up by hand.
CONFIG = ModelConfig.from_dict(
    {
        "tasks": ["emotion"],
        "backbone": {
            "d_model": 8,
            "n_layers": 1,
            "n_heads": 2,
            "ffn_dim": 16,
            "dropout": 0.0,
            "max_positions": 32,
        },
        "analyzers": {"emotion": {"n_layers": 1, "ffn_dim": 24}},
        "heads": {"emotion": {"hidden": 4, "depth": 1, "n_experts": 2}},
        "aux": {"dsp": {"enabled": False}, "kalman": {"enabled": False}},
        "tokenizer": {"max_length": 16},
    }
)
N_PARAMS = sum(p.numel() for p in build_on_meta(CONFIG).parameters())


def test_block_bytes_per_token() -> None:
    # fp32 residual into two norms: 2*4*8 = 64; bf16: (7*8 + 4*16)*2 = 240; dropout masks 2*8.
    assert memory.block_bytes_per_token(8, 16, 2, dropout=False) == 64 + 240
    assert memory.block_bytes_per_token(8, 16, 2, dropout=True) == 64 + 240 + 16
    assert memory.block_bytes_per_token(8, 16, 4, dropout=False) == 64 + 480


def test_fp32_adamw_without_checkpointing() -> None:
    est = memory.estimate(CONFIG, micro_batch=2, seq_len=16, precision="32-true", eight_bit=False)
    assert est.weights == 4 * N_PARAMS
    assert est.gradients == 4 * N_PARAMS
    assert est.optimizer == 8 * N_PARAMS
    tokens = 2 * 16  # emotion alone reads no counterfactuals
    backbone = tokens * (64 + (7 * 8 + 4 * 16) * 4)
    analyzer = tokens * (64 + (7 * 8 + 4 * 24) * 4)
    stacks = tokens * 8 * 4 * 2  # embeddings + the analyzer's output, fp32
    assert est.activations == backbone + analyzer + stacks
    assert est.total == est.weights + est.gradients + est.optimizer + est.activations + est.buffers


def test_8bit_checkpointed_bf16() -> None:
    config = ModelConfig.from_dict({**CONFIG.to_dict(), "gradient_checkpointing": True})
    est = memory.estimate(config, micro_batch=2, seq_len=16, precision="bf16-mixed", eight_bit=True)
    assert est.weights == 4 * N_PARAMS  # mixed precision keeps fp32 master weights
    assert est.optimizer == int(2 * N_PARAMS * (1 + 4 / 256))
    tokens = 32
    kept_inputs = 2 * tokens * 8 * 4
    largest_block = tokens * (64 + (7 * 8 + 4 * 24) * 2)
    assert est.activations == kept_inputs + largest_block + tokens * 8 * 4 * 2


def test_full_330m_8gb_estimate_is_under_the_budget() -> None:
    from omegaconf import OmegaConf

    from redheart_lit.cli.compose import compose

    cfg = compose(["experiment=full_330m", "trainer=8gb"])
    config = ModelConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
    est = memory.estimate(
        config, cfg.data.batch_size, config.tokenizer.max_length, "bf16-mixed", True
    )
    assert est.total < 7.5 * memory.GIB
    # Checkpointing is what makes it fit: without it the same batch needs far more.
    plain = ModelConfig.from_dict({**config.to_dict(), "gradient_checkpointing": False})
    est_plain = memory.estimate(plain, cfg.data.batch_size, 512, "bf16-mixed", True)
    assert est_plain.activations > 5 * est.activations
    assert est.weights == pytest.approx(4 * 326.7e6, rel=0.01)


def test_the_memory_command_estimates_the_composed_run() -> None:
    from redheart_lit.cli import memory as memory_cli

    est = memory_cli.main(["experiment=full_330m", "trainer=8gb"])
    assert 2 * memory.GIB < est.total < 7.5 * memory.GIB
