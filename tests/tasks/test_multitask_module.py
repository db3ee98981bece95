"""The network over the shared trunk: shapes, switches, gradients and padding.

MultiTaskNet (inference) and MultiTaskModule (training) build the same trunk and readouts;
these tests run both.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from omegaconf import OmegaConf
from tests.helpers import (
    ROW_OUTPUTS,
    all_labels,
    build_module,
    build_net,
    collate,
    full_batch,
    record,
    tiny_config,
    total_loss,
)

from redheart_lit.cli.compose import compose
from redheart_lit.data.batch import Batch
from redheart_lit.model.analyzer import MeanPool
from redheart_lit.tasks.readout import MultiTaskNet
from redheart_lit.tasks.spec import BENTHAM_UTILITY_SIGNS, BUILT_IN_TASKS


def test_helper_config_mirrors_the_tiny_yaml() -> None:
    cfg = compose(["experiment=tiny"])
    assert OmegaConf.to_container(cfg.model.config, resolve=True) == tiny_config()


def test_output_shapes_and_ranges() -> None:
    net = build_net().eval()
    batch = full_batch()  # 3 rows, one counterfactual
    with torch.no_grad():
        out = net(batch)
    assert out["emotion"].logits.shape == (3, 28)
    factors = out["bentham"].factors
    assert factors.shape == (3, 10)
    assert ((factors > 0) & (factors < 1)).all()
    assert out["bentham"].utility.shape == (3,)
    assert out["bentham"].acceptability_logit.shape == (3,)
    assert out["bentham"].cf_utility.shape == (1,)
    assert out["regret"].logit.shape == (3,)
    assert out["surd"].raw.shape == (3, 4)
    assert (out["surd"].raw >= 0).all()
    torch.testing.assert_close(out["surd"].shares.sum(-1), torch.ones(3))


def test_utility_is_the_signed_factor_sum() -> None:
    net = build_net().eval()
    with torch.no_grad():
        out = net(full_batch())["bentham"]
    # Freshly built: w_k = sign_k / 10.
    weights = torch.tensor(BENTHAM_UTILITY_SIGNS) / 10
    torch.testing.assert_close(out.utility, out.factors @ weights)


def test_without_counterfactuals_cf_utility_is_empty() -> None:
    net = build_net().eval()
    with torch.no_grad():
        out = net(collate([record("a", "Just text."), record("b", "More text.")]))
    assert out["bentham"].cf_utility.shape == (0,)


def test_the_module_and_the_net_compute_the_same_outputs() -> None:
    module, net = build_module(seed=3).eval(), build_net(seed=3).eval()
    # Same construction order, same seed: the same weights under other key prefixes.
    batch = full_batch()
    with torch.no_grad():
        a, b = module(batch), net(batch)
    for task, field in ROW_OUTPUTS:
        torch.testing.assert_close(getattr(a[task], field), getattr(b[task], field))


def _pad_invariance(config: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> None:
    """Row 0's outputs alone and next to a much longer row (so row 0 gets padded)."""
    net = build_net(config).eval()
    short = record("a", "I kept it. Sorry.", counterfactual="I gave it back.")
    long = record("b", "A much longer text that pads the first row: " + "and so on, " * 5)
    with torch.no_grad():
        alone, padded = net(collate([short])), net(collate([short, long]))
    for task, name in fields:
        torch.testing.assert_close(
            getattr(padded[task], name)[:1], getattr(alone[task], name), atol=1e-5, rtol=0,
            msg=f"{task}.{name}",
        )  # fmt: skip
    torch.testing.assert_close(
        padded["bentham"].cf_utility, alone["bentham"].cf_utility, atol=1e-5, rtol=0
    )


def test_padding_does_not_change_outputs_without_dsp() -> None:
    config = tiny_config()
    config["aux"]["dsp"]["enabled"] = False
    _pad_invariance(config, ROW_OUTPUTS)


def test_padding_does_not_change_non_emotion_outputs() -> None:
    _pad_invariance(tiny_config(), tuple(f for f in ROW_OUTPUTS if f[0] != "emotion"))


def test_padding_does_not_change_emotion_logits() -> None:
    _pad_invariance(tiny_config(), (("emotion", "logits"),))


def _names(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {n: tuple(p.shape) for n, p in model.named_parameters()}


FULL_NAMES = _names(build_net())


def _disable(path: str) -> dict[str, Any]:
    config = tiny_config()
    node = config
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last]["enabled"] = False
    return config


def _with_tasks(*tasks: str) -> dict[str, Any]:
    config = tiny_config()
    config["tasks"] = list(tasks)
    return config


# (case, config, prefixes of exactly the parameters that must disappear)
SWITCHES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    *[
        (f"analyzers.{t} off", _disable(f"analyzers.{t}"), (f"readouts.{t}.analyzer.",))
        for t in BUILT_IN_TASKS
    ],
    ("dsp off", _disable("aux.dsp"), ("readouts.emotion.dsp.",)),
    ("kalman off", _disable("aux.kalman"), ("trunk.kalman.",)),
    ("calibration off", _disable("aux.calibration"), ()),  # buffers only
    (
        "emotion + surd",
        _with_tasks("emotion", "surd"),
        # only Bentham and regret read the Kalman features
        ("readouts.bentham.", "readouts.regret.", "trunk.kalman."),
    ),
    (
        "regret only",
        _with_tasks("regret"),
        ("readouts.emotion.", "readouts.bentham.", "readouts.surd."),
    ),
]


@pytest.mark.parametrize(
    ("config", "removed"),
    [(config, removed) for _, config, removed in SWITCHES],
    ids=[name for name, _, _ in SWITCHES],
)
def test_switch_removes_exactly_its_parameters(
    config: dict[str, Any], removed: tuple[str, ...]
) -> None:
    names = _names(build_net(config))
    gone = set(FULL_NAMES) - set(names)
    assert gone == {n for n in FULL_NAMES if n.startswith(removed)}
    # What remains is unchanged, and nothing new appeared.
    assert all(FULL_NAMES[n] == shape for n, shape in names.items())

    # It still runs, trains and produces exactly the selected tasks' outputs.
    module = build_module(config)
    batch = full_batch()
    assert set(module(batch)) == set(module.config.tasks)
    total_loss(module, batch).backward()


def test_disabled_analyzer_is_a_mean_pool() -> None:
    net = build_net(_disable("analyzers.surd"))
    assert isinstance(net.readouts["surd"].analyzer, MeanPool)


def test_calibration_switch() -> None:
    net = build_net(_disable("aux.calibration"))
    assert len(net.readouts["emotion"].temperatures) == 0
    assert net.readouts["emotion"].thresholds is None
    buffers = {n for n, _ in build_net().named_buffers()}
    expected = {
        "readouts.emotion.temperatures.emotion.log_t",
        "readouts.bentham.temperatures.acceptability.log_t",
        "readouts.regret.temperatures.regret.log_t",
        "readouts.emotion.thresholds.hundredths",
    }
    assert expected <= buffers


def test_every_parameter_receives_a_gradient() -> None:
    # All labels, one row with a counterfactual (and one without, for no_counterfactual).
    module = build_module().train()
    total_loss(module, full_batch(), stage="train").backward()
    dead = [n for n, p in module.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert dead == []


def _loss_and_grads(module: torch.nn.Module, batch: Batch) -> list[torch.Tensor]:
    module.zero_grad()
    total = total_loss(module, batch, stage="train")
    total.backward()
    return [total.detach(), *(p.grad.clone() for p in module.parameters())]


def test_gradient_checkpointing_changes_neither_loss_nor_gradients() -> None:
    plain_module = build_module().train()  # tiny has dropout 0: train mode is deterministic
    batch = full_batch()
    plain = _loss_and_grads(plain_module, batch)
    config = tiny_config()
    config["gradient_checkpointing"] = True
    module = build_module(config).train()
    stacks = [m for m in module.modules() if hasattr(m, "gradient_checkpointing")]
    assert len(stacks) == 1 + len(BUILT_IN_TASKS)  # backbone + one per analyzer
    assert all(m.gradient_checkpointing for m in stacks)
    checkpointed = _loss_and_grads(module, batch)
    for a, b in zip(plain, checkpointed, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)


def _hidden_state_batch(width: int) -> Batch:
    torch.manual_seed(0)
    batch = collate([record("a", "x", **all_labels()), record("b", "y")])
    # An external encoder's states instead of byte ids; the mask and sentence ids stay.
    batch.input_ids = torch.randn(2, batch.attention_mask.shape[1], width)
    return batch


def test_hidden_state_input_runs() -> None:
    config = tiny_config()
    config["backbone"].update(input="hidden_states", input_dim=24)
    out = build_net(config)(_hidden_state_batch(24))
    assert out["emotion"].logits.shape == (2, 28)
    assert out["regret"].logit.shape == (2,)


def test_hidden_state_input_of_the_wrong_width_names_both_sizes() -> None:
    config = tiny_config()
    config["backbone"].update(input="hidden_states", input_dim=24)
    with pytest.raises(ValueError, match=r"16.*input_dim=24"):
        build_net(config)(_hidden_state_batch(16))


def test_a_net_is_built_from_the_config_alone() -> None:
    assert isinstance(build_net(), MultiTaskNet)
