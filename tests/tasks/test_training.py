"""MultiTaskModule and task modules as LightningModules: one step path, compile, loading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tests.conftest import train_tiny
from tests.helpers import build_module, full_batch, seed_losses, tiny_config, total_loss

from redheart_lit.tasks import (
    TASK_MODULES,
    BenthamTask,
    EmotionTask,
    MultiTaskModule,
    RegretTask,
    SurdTask,
    TaskModule,
    single_task_module,
)
from redheart_lit.training.checkpoint import load_checkpoint


def test_task_modules_map_every_built_in_task_to_its_class() -> None:
    assert {k: TASK_MODULES[k] for k in ("emotion", "bentham", "regret", "surd")} == {
        "emotion": EmotionTask,
        "bentham": BenthamTask,
        "regret": RegretTask,
        "surd": SurdTask,
    }
    assert all(issubclass(cls, TaskModule) for cls in TASK_MODULES.values())


def test_compiled_backbone_keeps_keys_and_outputs() -> None:
    torch.manual_seed(0)
    eager = MultiTaskModule(tiny_config()).eval()
    compiled = MultiTaskModule(tiny_config(), compile=True).eval()
    # Compiled in place: checkpoints of either load into the other.
    assert list(compiled.state_dict()) == list(eager.state_dict())
    compiled.load_state_dict(eager.state_dict())
    assert compiled.hparams["compile"] is True
    batch = full_batch()
    with torch.no_grad():
        expected = eager(batch)["emotion"].logits
        got = compiled(batch)["emotion"].logits
    assert torch.allclose(got, expected, atol=1e-5)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1


def test_a_task_alone_computes_the_loss_it_computes_inside_the_multitask_module() -> None:
    # One code path: the regret task's step on its own trunk equals its step on the shared
    # trunk when both trunks hold the same weights.
    multi = build_module(seed=1).eval()
    config = tiny_config() | {"tasks": ["regret"]}
    alone = RegretTask(config, loss=seed_losses(["regret"])["regret"]).eval()
    alone.trunk.load_state_dict(multi.trunk.state_dict())
    alone.readout.load_state_dict(multi.tasks["regret"].readout.state_dict())
    batch = full_batch()
    with torch.no_grad():
        shared = multi.tasks["regret"].task_step(batch, multi.trunk(batch), "test").loss
        own = total_loss(alone, batch)
    torch.testing.assert_close(own, shared)


def test_a_task_module_without_a_trunk_refuses_to_run_alone() -> None:
    task = EmotionTask(tiny_config(), own_trunk=False)
    with pytest.raises(RuntimeError, match="reads the shared trunk"):
        task(full_batch())


def test_a_module_without_losses_only_predicts() -> None:
    module = MultiTaskModule(tiny_config())
    with pytest.raises(RuntimeError, match="can only predict"):
        total_loss(module, full_batch())


def test_single_task_module_refuses_a_weighting_and_unknown_tasks() -> None:
    from redheart_lit.losses import EqualWeighting

    config = tiny_config() | {"tasks": ["surd"]}
    with pytest.raises(ValueError, match="no loss weighting"):
        single_task_module("surd", config, seed_losses(["surd"]), EqualWeighting(["surd"]))
    with pytest.raises(ValueError, match="single_task='valence' is not a registered task"):
        single_task_module("valence", config, seed_losses(["surd"]))


def test_multitask_module_names_a_task_without_a_loss() -> None:
    from redheart_lit.losses import EqualWeighting

    tasks = ["emotion", "bentham", "regret", "surd"]
    with pytest.raises(ValueError, match=r"no loss configured for task\(s\) \['surd'\]"):
        MultiTaskModule(tiny_config(), seed_losses(tasks[:3]), EqualWeighting(tasks))


@pytest.mark.slow
def test_single_task_checkpoint_loads_with_its_own_class(tmp_path: Path) -> None:
    ckpt = train_tiny(tmp_path, "experiment=single_task", "single_task=regret", "model=tiny")
    module = RegretTask.load_from_checkpoint(ckpt, weights_only=True)
    assert isinstance(module, RegretTask)
    assert module.trunk is not None
    assert set(module.readouts()) == {"regret"}
    assert isinstance(load_checkpoint(ckpt), RegretTask)


@pytest.mark.slow
def test_one_task_loads_from_a_multitask_checkpoint_strictly(tmp_path: Path) -> None:
    ckpt = train_tiny(tmp_path)
    multi = load_checkpoint(ckpt)
    emotion = EmotionTask.from_multitask(ckpt)
    # Its own trunk holds the shared trunk's weights (without the Kalman filter, which
    # emotion does not read) and its readout the multitask module's emotion readout.
    assert emotion.trunk.kalman is None
    batch = full_batch()
    with torch.no_grad():
        expected = multi(batch)["emotion"].logits
        got = emotion(batch).logits
    torch.testing.assert_close(got, expected)
    regret = RegretTask.from_multitask(ckpt)
    assert regret.trunk.kalman is not None
    with pytest.raises(ValueError, match="not a multitask checkpoint"):
        RegretTask.from_multitask(train_tiny(tmp_path / "single", "experiment=single_task",
                                             "single_task=regret", "model=tiny"))  # fmt: skip
