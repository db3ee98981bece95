"""ONNX bundles: what they record, the same result schema, and every refusal at load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

from redheart_lit.bundle_format import BundleError
from redheart_lit.cli.export import main as export_main
from redheart_lit.edge.session import load_onnx_bundle
from redheart_lit.inference import ProductionConfig, ProductionOrchestrator, load_bundle
from redheart_lit.inference.onnx.runner import OnnxRunner


def test_the_bundle_records_its_runtime_and_graph(tiny_onnx_bundles) -> None:
    for quantize, folder in tiny_onnx_bundles.items():
        meta = json.loads((folder / "config.json").read_text())
        assert meta["runtime"] == "onnxruntime"
        assert meta["onnx"]["quantize"] == quantize
        assert "emotion.emotion" in meta["onnx"]["outputs"]
        assert not (folder / "model.safetensors").exists()
        # One self-contained graph file: the digest covers every weight.
        assert sorted(p.name for p in folder.iterdir() if p.suffix != ".json") == [
            "model.onnx", "tokenizer",
        ]  # fmt: skip


def test_both_runtimes_give_the_same_result_schema(tiny_bundle, tiny_onnx_bundles) -> None:
    texts = ["I lied to my friend and I regret it.", "Hi"]
    eager = ProductionOrchestrator(ProductionConfig(model_dir=str(tiny_bundle)))
    onnx = ProductionOrchestrator(
        ProductionConfig(model_dir=str(tiny_onnx_bundles["none"]), runtime="onnxruntime")
    )
    a, b = eager.analyze_batch(texts), onnx.analyze_batch(texts)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value] if value and isinstance(value[0], dict) else "list"
        return type(value).__name__

    assert shape(a) == shape(b)
    assert [r["analysis"]["emotion"]["labels"] for r in a] == [
        r["analysis"]["emotion"]["labels"] for r in b
    ]


def test_a_bundle_for_the_other_runtime_is_refused_by_name(tiny_bundle, tiny_onnx_bundles) -> None:
    with pytest.raises(BundleError, match="runtime 'torch', not 'onnxruntime'"):
        ProductionOrchestrator(ProductionConfig(model_dir=str(tiny_bundle), runtime="onnxruntime"))
    with pytest.raises(BundleError, match="runtime 'onnxruntime', not 'torch'"):
        load_bundle(tiny_onnx_bundles["none"])


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def test_a_tampered_graph_fails_at_load(tiny_onnx_bundles, tmp_path) -> None:
    broken = _copy(tiny_onnx_bundles["none"], tmp_path)
    data = bytearray((broken / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (broken / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.onnx: weights digest .* \(modified"):
        load_onnx_bundle(broken)


def test_a_graph_that_does_not_match_its_config_fails(tiny_onnx_bundles, tmp_path) -> None:
    broken = _copy(tiny_onnx_bundles["none"], tmp_path)
    meta = json.loads((broken / "config.json").read_text())
    meta["model"]["tasks"] = ["emotion", "bentham"]
    (broken / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match=r"graph computes tasks .* configures"):
        load_onnx_bundle(broken)
    meta = json.loads((tiny_onnx_bundles["none"] / "config.json").read_text())
    meta["onnx"]["outputs"] = meta["onnx"]["outputs"][1:]
    (broken / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="do not match"):
        load_onnx_bundle(broken)
    # Another model's graph under this config: its digest is not the recorded version.
    shutil.copy(tiny_onnx_bundles["int8"] / "model.onnx", broken / "model.onnx")
    with pytest.raises(BundleError, match="weights digest"):
        load_onnx_bundle(broken)


def test_export_refuses_unknown_format_and_quantize(tmp_path, capsys) -> None:
    for bad in ("format=tflite", "quantize=int4", "quantize=int8"):
        with pytest.raises(SystemExit) as exit_info:
            export_main(["ckpt=unused.ckpt", f"out={tmp_path / 'x'}", bad])
        assert exit_info.value.code == 2
    assert "format must be one of" in capsys.readouterr().err


def test_a_bundle_without_its_readout_parameters_names_the_key(tiny_onnx_bundles, tmp_path) -> None:
    # An export from before the Bentham utility weights travelled beside the graph.
    old = _copy(tiny_onnx_bundles["none"], tmp_path)
    meta = json.loads((old / "config.json").read_text())
    del meta["onnx"]["readout_parameters"]
    (old / "config.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match=r"onnx\.readout_parameters must hold .*re-export"):
        OnnxRunner(old, threads=1)


def test_an_onnx_export_with_a_reference_predicts_it_with_onnxruntime(
    tiny_bundle, tmp_path
) -> None:
    from redheart_lit.cli.export import export_checkpoint

    ckpt = json.loads((tiny_bundle / "config.json").read_text())["source_checkpoint"]
    records = PROJECT_ROOT / "data" / "sample" / "val.jsonl"
    out = export_checkpoint(ckpt, tmp_path / "onnx", format="onnx", reference=records)
    assert json.loads((out / "reference.json").read_text())
