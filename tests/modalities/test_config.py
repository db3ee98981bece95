"""The modality/* groups compose with serve.yaml and build (or refuse) their encoders."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf
from tests.conftest import compose_config

from redheart_lit.modalities import ModalityError, build_modalities
from redheart_lit.paths import config_dir

OPTIONS = sorted((p.parent.name, p.stem) for p in (config_dir() / "modality").rglob("*.yaml"))


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_every_option_composes(tmp_path: Path, group: str, option: str) -> None:
    cfg = compose_config("serve", ["ckpt=x", f"modality/{group}={option}"], tmp_path)
    node = OmegaConf.to_container(cfg.modality[group])
    assert node.get("kind", option) in (option, "neurokit") or group == "fusion"


def test_defaults_are_none_and_refuse_input(tmp_path: Path) -> None:
    cfg = compose_config("serve", ["ckpt=x"], tmp_path)
    encoders = build_modalities(OmegaConf.to_container(cfg.modality, resolve=True))
    assert encoders.names == []
    with pytest.raises(ModalityError, match="modality/image=none"):
        encoders.encode("image", b"...")


def test_builds_the_chosen_encoders(tmp_path: Path, fer_weights: Path) -> None:
    cfg = compose_config(
        "serve",
        ["ckpt=x", "modality/image=fer", f"modality.image.weights={fer_weights}",
         "modality/audio=prosody", "modality/biosignals=neurokit"],
        tmp_path,
    )  # fmt: skip
    encoders = build_modalities(OmegaConf.to_container(cfg.modality, resolve=True))
    assert encoders.names == ["image", "audio", "biosignals"]


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"image": {"kind": "none", "weights": "x"}}, "takes no other keys"),
        ({"audio": {"kind": "prosody", "rate": 3}}, "unknown key"),
        ({"biosignals": {"kind": "magic"}}, "none or neurokit"),
        ({"smell": {}}, "unknown group"),
        ({"image": {"weights": "x"}}, "kind is required"),
    ],
)
def test_bad_config_fails_naming_the_key(cfg: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_modalities(cfg)
