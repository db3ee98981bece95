"""RedHeartModel and RedHeartConfig: shapes, switches, gradients, padding and config errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from omegaconf import OmegaConf
from tests.helpers import (
    ROW_OUTPUTS,
    all_labels,
    build_model,
    collate,
    full_batch,
    record,
    tiny_config,
)

from redheart_lit.cli import compose
from redheart_lit.data.batch import Batch
from redheart_lit.losses import MultiTaskLoss
from redheart_lit.model import RedHeartConfig, RedHeartModel, RedHeartOutput
from redheart_lit.model.analyzer import MeanPool
from redheart_lit.tasks import BENTHAM_UTILITY_SIGNS, TASK_NAMES

OUTPUTS = ROW_OUTPUTS


def test_helper_config_mirrors_the_tiny_yaml() -> None:
    cfg = compose(["experiment=tiny"])
    assert OmegaConf.to_container(cfg.model.config, resolve=True) == tiny_config()


def test_output_shapes_and_ranges() -> None:
    model = build_model().eval()
    batch = full_batch()  # 3 rows, one counterfactual
    with torch.no_grad():
        out = model(batch)
    assert out.emotion_logits.shape == (3, 28)
    assert out.bentham_factors.shape == (3, 10)
    assert ((out.bentham_factors > 0) & (out.bentham_factors < 1)).all()
    assert out.utility.shape == (3,)
    assert out.acceptability_logit.shape == (3,)
    assert out.cf_utility.shape == (1,)
    assert out.regret_logit.shape == (3,)
    assert out.surd_raw.shape == (3, 4)
    assert (out.surd_raw >= 0).all()
    torch.testing.assert_close(out.surd_shares.sum(-1), torch.ones(3))


def test_utility_is_the_signed_factor_sum() -> None:
    model = build_model().eval()
    with torch.no_grad():
        out = model(full_batch())
    # Freshly built: w_k = sign_k / 10.
    weights = torch.tensor(BENTHAM_UTILITY_SIGNS) / 10
    torch.testing.assert_close(out.utility, out.bentham_factors @ weights)


def test_without_counterfactuals_cf_utility_is_empty() -> None:
    model = build_model().eval()
    with torch.no_grad():
        out = model(collate([record("a", "Just text."), record("b", "More text.")]))
    assert out.cf_utility.shape == (0,)


def test_surd_shares_of_none_is_none() -> None:
    assert RedHeartOutput().surd_shares is None


def _pad_invariance(config: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Row 0's outputs alone and next to a much longer row (so row 0 gets padded)."""
    model = build_model(config).eval()
    short = record("a", "I kept it. Sorry.", counterfactual="I gave it back.")
    long = record("b", "A much longer text that pads the first row: " + "and so on, " * 5)
    with torch.no_grad():
        alone, padded = model(collate([short])), model(collate([short, long]))
    for name in fields:
        torch.testing.assert_close(
            getattr(padded, name)[:1], getattr(alone, name), atol=1e-5, rtol=0, msg=name
        )
    torch.testing.assert_close(padded.cf_utility, alone.cf_utility, atol=1e-5, rtol=0)


def test_padding_does_not_change_outputs_without_dsp() -> None:
    config = tiny_config()
    config["aux"]["dsp"]["enabled"] = False
    _pad_invariance(config, OUTPUTS)


def test_padding_does_not_change_non_emotion_outputs() -> None:
    _pad_invariance(tiny_config(), tuple(n for n in OUTPUTS if n != "emotion_logits"))


def test_padding_does_not_change_emotion_logits() -> None:
    _pad_invariance(tiny_config(), ("emotion_logits",))


def _names(model: RedHeartModel) -> dict[str, tuple[int, ...]]:
    return {n: tuple(p.shape) for n, p in model.named_parameters()}


FULL_NAMES = _names(build_model())


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
    *[(f"analyzers.{t} off", _disable(f"analyzers.{t}"), (f"analyzers.{t}.",)) for t in TASK_NAMES],
    ("dsp off", _disable("aux.dsp"), ("dsp.",)),
    ("kalman off", _disable("aux.kalman"), ("kalman.",)),
    ("calibration off", _disable("aux.calibration"), ()),  # buffers only
    (
        "emotion + surd",
        _with_tasks("emotion", "surd"),
        (
            "analyzers.bentham.",
            "analyzers.regret.",
            "heads.bentham.",
            "heads.regret.",
            "utility_weights",
            "no_counterfactual",
            "kalman.",  # only Bentham and regret read the Kalman features
        ),
    ),
    (
        "regret only",
        _with_tasks("regret"),
        (
            "analyzers.emotion.",
            "analyzers.bentham.",
            "analyzers.surd.",
            "heads.emotion.",
            "heads.bentham.",
            "heads.surd.",
            "utility_weights",
            "dsp.",  # only emotion reads the spectrum
        ),
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
    model = build_model(config)
    names = _names(model)
    gone = set(FULL_NAMES) - set(names)
    assert gone == {n for n in FULL_NAMES if n.startswith(removed)}
    # What remains is unchanged, and nothing new appeared.
    assert all(FULL_NAMES[n] == shape for n, shape in names.items())

    # It still runs, trains and produces exactly the selected tasks' outputs.
    batch = full_batch()
    out = model(batch)
    tasks = model.config.tasks
    expected = {
        "emotion_logits": "emotion" in tasks,
        "bentham_factors": "bentham" in tasks,
        "regret_logit": "regret" in tasks,
        "surd_raw": "surd" in tasks,
    }
    assert {k: getattr(out, k) is not None for k in expected} == expected
    loss = MultiTaskLoss(tasks, task_weights=dict.fromkeys(tasks, 1.0))(out, batch)
    assert loss.total is not None
    loss.total.backward()


def test_disabled_analyzer_is_a_mean_pool() -> None:
    model = build_model(_disable("analyzers.surd"))
    assert isinstance(model.analyzers["surd"], MeanPool)


def test_calibration_switch() -> None:
    assert build_model(_disable("aux.calibration")).calibration is None
    buffers = {n for n, _ in build_model().named_buffers()}
    assert {"calibration.log_t_emotion", "calibration.log_t_regret"} <= buffers


def test_every_parameter_receives_a_gradient() -> None:
    # All labels, one row with a counterfactual (and one without, for no_counterfactual).
    model = build_model().train()
    batch = full_batch()
    out = model(batch)
    loss = MultiTaskLoss(TASK_NAMES, task_weights=dict.fromkeys(TASK_NAMES, 1.0))(out, batch)
    assert loss.total is not None
    loss.total.backward()
    dead = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum()]
    assert dead == []


def _loss_and_grads(model: RedHeartModel, batch: Batch) -> list[torch.Tensor]:
    model.zero_grad()
    out = model(batch)
    total = MultiTaskLoss(TASK_NAMES, task_weights=dict.fromkeys(TASK_NAMES, 1.0))(out, batch).total
    assert total is not None
    total.backward()
    return [total.detach(), *(p.grad.clone() for p in model.parameters())]


def test_gradient_checkpointing_changes_neither_loss_nor_gradients() -> None:
    model = build_model().train()  # tiny has dropout 0, so train mode is deterministic
    batch = full_batch()
    plain = _loss_and_grads(model, batch)
    model.set_gradient_checkpointing(True)
    stacks = [m for m in model.modules() if hasattr(m, "gradient_checkpointing")]
    assert len(stacks) == 1 + len(TASK_NAMES)  # backbone + one per analyzer
    assert all(m.gradient_checkpointing for m in stacks)
    checkpointed = _loss_and_grads(model, batch)
    for a, b in zip(plain, checkpointed, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)


def test_config_flag_turns_on_checkpointing() -> None:
    config = tiny_config()
    config["gradient_checkpointing"] = True
    model = build_model(config)
    assert model.backbone.stack.gradient_checkpointing
    assert model.analyzers["emotion"].stack.gradient_checkpointing


def _hidden_state_batch(width: int) -> Batch:
    torch.manual_seed(0)
    batch = collate([record("a", "x", **all_labels()), record("b", "y")])
    # An external encoder's states instead of byte ids; the mask and sentence ids stay.
    batch.input_ids = torch.randn(2, batch.attention_mask.shape[1], width)
    return batch


def test_hidden_state_input_runs() -> None:
    config = tiny_config()
    config["backbone"].update(input="hidden_states", input_dim=24)
    model = build_model(config)
    out = model(_hidden_state_batch(24))
    assert out.emotion_logits.shape == (2, 28)
    assert out.regret_logit.shape == (2,)


def test_hidden_state_input_of_the_wrong_width_names_both_sizes() -> None:
    config = tiny_config()
    config["backbone"].update(input="hidden_states", input_dim=24)
    model = build_model(config)
    with pytest.raises(ValueError, match=r"16.*input_dim=24"):
        model(_hidden_state_batch(16))


# Config -------------------------------------------------------------------------------


def test_config_round_trips_through_to_dict() -> None:
    config = RedHeartConfig.from_dict(tiny_config())
    as_dict = config.to_dict()
    assert as_dict == tiny_config()
    json.dumps(as_dict)  # primitive: storable in a checkpoint
    assert RedHeartConfig.from_dict(as_dict) == config


def _edit(path: str, value: Any) -> dict[str, Any]:
    config = tiny_config()
    node = config
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return config


@pytest.mark.parametrize(
    ("config", "path", "key"),
    [
        (_edit("backbone.d_modle", 32), "model.config.backbone", "d_modle"),
        (_edit("taks", ["emotion"]), "model.config", "taks"),
        (_edit("analyzers.emotion.n_layer", 1), "model.config.analyzers.emotion", "n_layer"),
        (_edit("heads.surd.width", 8), "model.config.heads.surd", "width"),
        (_edit("aux.dsp.nfft", 8), "model.config.aux.dsp", "nfft"),
        (_edit("aux.kalmann", {}), "model.config.aux", "kalmann"),
        (_edit("tokenizer.max_len", 8), "model.config.tokenizer", "max_len"),
    ],
)
def test_unknown_keys_name_the_key_path(config: dict[str, Any], path: str, key: str) -> None:
    with pytest.raises(ValueError, match="unknown key") as err:
        RedHeartConfig.from_dict(config)
    message = str(err.value)
    # "unknown key(s) ['d_modle'] in model.config.backbone": the key and where it is.
    assert f"['{key}'] in {path}" in message


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (_edit("backbone.n_heads", 5), r"model\.config\.backbone: .*not divisible by n_heads=5"),
        (_edit("heads.surd.depth", 0), r"model\.config\.heads\.surd: head\.depth must be > 0"),
        (_edit("tasks", ["emotion", "valence"]), r"unknown task\(s\) \['valence'\]"),
        (_edit("tasks", []), "at least one task"),
        (_edit("tokenizer.max_length", 200), "max_length=200 exceeds backbone.max_positions=128"),
        (_edit("heads.valence", {}), r"model\.config\.heads names unknown task\(s\) \['valence'\]"),
    ],
)
def test_invalid_values_are_rejected(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedHeartConfig.from_dict(config)


def test_missing_analyzer_for_a_selected_task_is_rejected() -> None:
    config = tiny_config()
    del config["analyzers"]["regret"]
    with pytest.raises(ValueError, match=r"model\.config\.analyzers has no entry.*\['regret'\]"):
        RedHeartConfig.from_dict(config)
