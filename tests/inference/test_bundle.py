"""Export a checkpoint, load it back strictly, and refuse every kind of broken folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from redheart_lit.cli.export import export_checkpoint
from redheart_lit.encoders import EncoderLoadError
from redheart_lit.inference import BundleError, load_bundle
from redheart_lit.tasks.spec import EMOTION_LABELS
from redheart_lit.training.checkpoint import load_checkpoint, to_net


def test_export_writes_every_file_and_loads_the_same_weights(tiny_bundle: Path) -> None:
    meta = json.loads((tiny_bundle / "config.json").read_text())
    bundle = load_bundle(tiny_bundle)
    original = to_net(load_checkpoint(meta["source_checkpoint"]))
    for key, value in original.state_dict().items():
        assert torch.equal(bundle.model.state_dict()[key], value), key
    thresholds = json.loads((tiny_bundle / "thresholds.json").read_text())
    assert list(thresholds["emotion"]) == list(EMOTION_LABELS)
    stored = torch.tensor([thresholds["emotion"][k]["threshold"] for k in EMOTION_LABELS])
    torch.testing.assert_close(stored.double(), original.readouts["emotion"].thresholds.value)
    assert json.loads((tiny_bundle / "encoders.json").read_text()) == []
    assert (tiny_bundle / "tokenizer" / "tokenizer.json").is_file()
    assert bundle.version == meta["version"]


def test_fused_export_records_encoders_and_their_tokenizers(
    fused_bundle: Path, tiny_encoders
) -> None:
    entries = json.loads((fused_bundle / "encoders.json").read_text())
    assert [e["name"] for e in entries] == [str(p) for p in tiny_encoders]
    assert [e["hidden_size"] for e in entries] == [24, 16]
    for entry in entries:
        assert (fused_bundle / entry["tokenizer"] / "tokenizer.json").is_file()
    bundle = load_bundle(fused_bundle)
    assert bundle.encode(["I lied."]).input_ids.shape[-1] == 40


def _copy(bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundle, tmp_path / "copy"))


def test_broken_folders_fail_naming_the_file(tiny_bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="no such model folder"):
        load_bundle(tmp_path / "nope")
    broken = _copy(tiny_bundle, tmp_path)
    (broken / "thresholds.json").unlink()
    with pytest.raises(BundleError, match=r"thresholds\.json: missing"):
        load_bundle(broken)
    shutil.copy(tiny_bundle / "thresholds.json", broken)
    data = bytearray((broken / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the last weight
    (broken / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.safetensors: weights digest .* \(modified"):
        load_bundle(broken)


def test_a_bundle_of_the_previous_format_asks_for_a_new_export(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    old = _copy(tiny_bundle, tmp_path)
    meta = json.loads((old / "config.json").read_text())
    meta["format"] = "redheart_lit.bundle/1"  # one RedHeartModel, before the task readouts
    (old / "config.json").write_text(json.dumps(meta))
    with pytest.raises(
        BundleError, match=r"format 'redheart_lit.bundle/1'.*export the checkpoint again"
    ):
        load_bundle(old)


def test_a_single_task_checkpoint_exports_a_bundle_of_that_task(tmp_path: Path) -> None:
    from tests.conftest import train_tiny

    ckpt = train_tiny(tmp_path / "train", "experiment=single_task", "single_task=surd",
                      "model=tiny", "trainer.max_epochs=1")  # fmt: skip
    bundle = load_bundle(export_checkpoint(ckpt, tmp_path / "bundle"))
    assert list(bundle.model.readouts) == ["surd"]


def test_weights_of_another_model_are_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    broken = _copy(tiny_bundle, tmp_path)
    meta = json.loads((broken / "config.json").read_text())
    meta["model"]["tasks"] = ["emotion"]  # the weights have four heads, the config one
    (broken / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match=r"model\.safetensors: does not fit the config"):
        load_bundle(broken)


def test_an_encoder_with_another_hidden_size_is_named(fused_bundle: Path, tmp_path: Path) -> None:
    broken = _copy(fused_bundle, tmp_path)
    entries = json.loads((broken / "encoders.json").read_text())
    entries[1]["hidden_size"] = 32
    (broken / "encoders.json").write_text(json.dumps(entries))
    with pytest.raises(
        EncoderLoadError, match=r"hidden size 16, but the checkpoint was trained with 32"
    ):
        load_bundle(broken)
    entries[1]["hidden_size"], entries[1]["name"] = 16, str(tmp_path / "missing-encoder")
    (broken / "encoders.json").write_text(json.dumps(entries))
    with pytest.raises(EncoderLoadError, match="missing-encoder"):
        load_bundle(broken)


def test_export_refuses_a_non_empty_folder(tiny_bundle: Path) -> None:
    meta = json.loads((tiny_bundle / "config.json").read_text())
    with pytest.raises(BundleError, match="not empty"):
        export_checkpoint(meta["source_checkpoint"], tiny_bundle)
