"""The int8 recipe: exactly the allow-listed weight products are quantized, nothing else."""

from __future__ import annotations

import onnx

from redheart_lit.inference.onnx.graph import INT8_KEEP_FP32, _scopes, int8_nodes


def test_int8_quantizes_the_backbone_and_analyzers_only(tiny_onnx_bundles) -> None:
    fp32 = onnx.load(str(tiny_onnx_bundles["none"] / "model.onnx"))
    chosen = int8_nodes(fp32)
    scopes = {node.name: _scopes(node) for node in fp32.graph.node}
    # The backbone and every task's analyzer stack are in; the kept modules are out.
    assert any("net.trunk.backbone.stack" in scopes[name] for name in chosen)
    for task in ("emotion", "bentham", "regret", "surd"):
        assert any(f"net.readouts.{task}.analyzer.stack" in scopes[name] for name in chosen)
    assert not [n for n in chosen if any(part in scopes[n] for part in INT8_KEEP_FP32)]

    # The quantized graph quantized those nodes and no other (the dynamic quantizer
    # renames Gemm nodes, which once let excluded head layers be quantized).
    int8 = onnx.load(str(tiny_onnx_bundles["int8"] / "model.onnx"))
    quantized = {n.name for n in int8.graph.node if n.op_type == "MatMulInteger"}
    # The tiny model has no table of INT8_MIN_TABLE values: MatMul nodes only.
    assert quantized == {f"{name}_quant" for name in chosen}
