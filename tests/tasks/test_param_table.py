"""The parameter table: the full model meets the design budget, the tiny one stays tiny."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf
from tests.helpers import build_module, build_net, tiny_config

from redheart_lit.cli import params
from redheart_lit.cli.compose import compose
from redheart_lit.model import ModelConfig
from redheart_lit.tasks.sizes import DESIGN, GROUPS, ParamRow, build_on_meta, param_table


@pytest.fixture(scope="module")
def full_rows() -> dict[str, int]:
    # Built on the meta device: 330M parameters cost no memory.
    cfg = compose(["experiment=full_330m"])
    config = ModelConfig.from_dict(OmegaConf.to_container(cfg.model.config, resolve=True))
    return {row.name: row.count for row in param_table(build_on_meta(config))}


def test_full_model_total(full_rows: dict[str, int]) -> None:
    assert 320e6 <= full_rows["total"] <= 340e6


@pytest.mark.parametrize("name", [n for n in DESIGN if n != "total"])
def test_full_model_part_within_15_percent_of_design(full_rows: dict[str, int], name: str) -> None:
    count, design = full_rows[name], DESIGN[name]
    assert abs(count / design - 1) <= 0.15, f"{name}: {count / 1e6:.1f}M vs {design / 1e6:.0f}M"


def test_groups_cover_the_total(full_rows: dict[str, int]) -> None:
    assert sum(full_rows.get(g, 0) for g in GROUPS) == full_rows["total"]
    for group in ("heads", "analyzers", "auxiliary"):
        parts = [n for n in full_rows if n.startswith(f"{group}/")]
        assert sum(full_rows[n] for n in parts) == full_rows[group]


def test_tiny_model_is_under_two_million() -> None:
    model = build_net()
    rows = param_table(model)
    assert rows[-1] == ParamRow("total", sum(p.numel() for p in model.parameters()))
    assert rows[-1].count < 2_000_000


def test_meta_build_counts_like_a_real_build() -> None:
    real = param_table(build_net())
    assert param_table(build_on_meta(ModelConfig.from_dict(tiny_config()))) == real
    # The training module's table is the same: the task modules hold the same readouts.
    assert param_table(build_module()) == real


def test_the_params_command_prints_the_tiny_table() -> None:
    rows = params.main(["experiment=tiny"])
    assert rows == param_table(build_on_meta(ModelConfig.from_dict(tiny_config())))
