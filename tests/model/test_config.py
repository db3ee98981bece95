"""ModelConfig: round trip, unknown keys and invalid values name the config path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.helpers import tiny_config

from redheart_lit.model import ModelConfig


def test_config_round_trips_through_to_dict() -> None:
    config = ModelConfig.from_dict(tiny_config())
    as_dict = config.to_dict()
    assert as_dict == tiny_config()
    json.dumps(as_dict)  # primitive: storable in a checkpoint
    assert ModelConfig.from_dict(as_dict) == config


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
        ModelConfig.from_dict(config)
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
        (_edit("encoder.prefix", "query: "), "prefix is read by kind=hf only, not kind=own"),
    ],
)
def test_invalid_values_are_rejected(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelConfig.from_dict(config)


def test_missing_analyzer_for_a_selected_task_is_rejected() -> None:
    config = tiny_config()
    del config["analyzers"]["regret"]
    with pytest.raises(ValueError, match=r"model\.config\.analyzers has no entry.*\['regret'\]"):
        ModelConfig.from_dict(config)
