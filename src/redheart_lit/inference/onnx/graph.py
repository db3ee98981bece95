"""The whole inference graph as one ``nn.Module``, exported to ONNX.

Token ids in, every task's result arrays out: the frozen external encoder (when the
model reads one), the backbone, the analyzers, the heads and the calibration
temperatures. What stays outside is what ONNX does not need: tokenization (numpy and
``tokenizers``, :mod:`redheart_lit.edge.tokenize`) and shaping the arrays into results.

Inputs, all int64 ``[B, L]`` with dynamic ``B`` and ``L``: ``input_ids`` (bytes or the
encoder's token ids), ``attention_mask`` (1 on tokens) and ``sentence_ids``.
Outputs: ``<task>.<key>``, each readout's :meth:`~redheart_lit.tasks.readout.TaskReadout.tensors`
in float32, so the orchestrator shapes them with the same ``section`` code as torch.

A fused model is refused: its fusion statistics and the character alignment of several
tokenizers are computed outside the network, so the graph would not be the whole model.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

from redheart_lit.bundle_format import BundleError
from redheart_lit.data.batch import Batch
from redheart_lit.encoders import LoadedEncoder
from redheart_lit.tasks.readout import MultiTaskNet, TaskReadout

INPUTS = ("input_ids", "attention_mask", "sentence_ids")
# ONNX opset: 18 has LayerNormalization and the reductions with axes as inputs.
OPSET = 18


class InferenceGraph(nn.Module):
    """``(input_ids, attention_mask, sentence_ids) -> tuple of the named outputs``.

    ``encoder`` is the frozen Hugging Face model of an ``encoder.kind=hf, frozen=true``
    bundle, None otherwise (a fine-tuned encoder is already inside ``net.trunk``).
    """

    def __init__(self, net: MultiTaskNet, encoder: nn.Module | None) -> None:
        super().__init__()
        for name, readout in net.readouts.items():
            if type(readout).arrays is not TaskReadout.arrays:
                raise BundleError(
                    f"readout of task {name!r} ({type(readout).__name__}) overrides arrays(); "
                    "override tensors() instead so its outputs can be exported to ONNX"
                )
        self.net = net
        self.encoder = encoder
        self.names: list[str] = []

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, sentence_ids: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        mask = attention_mask.bool()
        inputs: torch.Tensor = input_ids
        if self.encoder is not None:
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            # As FrozenFeatures: features pass through float16 (what its cache stores) and
            # are zero past each text's last token.
            inputs = states.last_hidden_state.half().float() * mask[..., None].float()
        empty = torch.zeros((0, 1), dtype=torch.long)
        batch = Batch(
            input_ids=inputs,
            attention_mask=mask,
            sentence_ids=sentence_ids,
            cf_index=torch.zeros(0, dtype=torch.long),
            cf_input_ids=empty,
            cf_attention_mask=empty.bool(),
            cf_sentence_ids=empty,
        )
        outputs = self.net(batch)
        names, values = [], []
        for task, readout in self.net.readouts.items():
            out = outputs[task]
            for key, value in readout.tensors(out, readout.probabilities(out)).items():
                names.append(f"{task}.{key}")
                values.append(value.float())
        self.names = names
        return tuple(values)


def _frozen_encoder(net: MultiTaskNet, loaded: list[LoadedEncoder]) -> nn.Module | None:
    spec = net.config.encoder
    if spec.kind == "fused":
        raise BundleError(
            "format=onnx does not support encoder.kind=fused: the fusion statistics and "
            "the alignment of the members' tokens are computed outside the network; "
            "export it with format=safetensors"
        )
    if spec.kind == "hf" and spec.frozen:
        return loaded[0].model.eval()
    return None


def _tokenizer_settings(net: MultiTaskNet, loaded: list[LoadedEncoder]) -> dict[str, Any]:
    """How texts become the graph's inputs (the ``onnx.tokenizer`` section)."""
    spec = net.config.encoder
    if spec.kind == "own":
        return net.config.to_dict()["tokenizer"]
    hf = loaded[0].tokenizer
    return {
        "kind": "hf", "max_length": spec.max_length, "prefix": spec.prefix,
        "pad_id": hf.pad_token_id, "pad_token": hf.pad_token,
    }  # fmt: skip


def _example(settings: dict[str, Any], loaded: list[LoadedEncoder]) -> tuple[torch.Tensor, ...]:
    """Two texts of different lengths, tokenized as at serving time: the trace input."""
    from redheart_lit.edge.tokenize import tokenizer_for

    backend = loaded[0].tokenizer.backend_tokenizer if loaded else None
    tokenize = tokenizer_for(settings, backend)
    texts = ["I lied to my friend. I regret it!", "Fine."]
    return tuple(torch.from_numpy(a) for a in tokenize(texts))


def _scopes(node: onnx.NodeProto) -> str:
    """The module scopes the exporter traced ``node`` in (``net.readouts.emotion.head``...)."""
    return {p.key: p.value for p in node.metadata_props}.get("pkg.torch.onnx.name_scopes", "")


# Modules whose weight products int8 keeps in fp32: the Kalman filter (a recurrence, so
# an error compounds over sentences), the analyzers' attention pooling, the DSP block and
# the task heads, whose outputs meet the decision thresholds directly.
INT8_KEEP_FP32 = ("net.trunk.kalman", ".analyzer.pool", ".dsp", ".head")


# A Gather from a constant table at least this large (an encoder's word embeddings) is
# quantized too: int8 rows make the bundle of multilingual-e5-small 117 MiB, not 392.
INT8_MIN_TABLE = 2**20


def int8_nodes(model: onnx.ModelProto) -> list[str]:
    """The nodes ``quantize=int8`` quantizes: each MatMul with a constant weight in the
    frozen encoder, the backbone and each task's analyzer stack (most of the compute),
    outside :data:`INT8_KEEP_FP32`, and each Gather from a constant table of at least
    :data:`INT8_MIN_TABLE` values. Activation-by-activation products (attention scores)
    stay fp32, as do Gemm nodes (the small head and DSP layers)."""
    sizes = {init.name: int(np.prod(init.dims)) for init in model.graph.initializer}
    chosen = []
    for node in model.graph.node:
        if any(part in _scopes(node) for part in INT8_KEEP_FP32):
            continue
        weight = node.op_type == "MatMul" and node.input[1] in sizes
        table = node.op_type == "Gather" and sizes.get(node.input[0], 0) >= INT8_MIN_TABLE
        if weight or table:
            chosen.append(node.name)
    return chosen


def export_onnx(
    net: MultiTaskNet, loaded: list[LoadedEncoder], path: Path, quantize: str
) -> dict[str, Any]:
    """Write ``net`` (plus its frozen encoder) to ``path``; return the ``onnx`` section of
    ``config.json``: inputs, outputs, quantization and how texts are tokenized."""
    graph = InferenceGraph(net, _frozen_encoder(net, loaded)).eval()
    settings = _tokenizer_settings(net, loaded)
    example = _example(settings, loaded)
    with torch.inference_mode():
        graph(*example)  # fills graph.names
    names = list(graph.names)
    axes = {name: {0: "batch", 1: "length"} for name in INPUTS}
    axes |= {name: {0: "batch"} for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        traced = Path(tmp) / "traced.onnx"
        torch.onnx.export(
            graph, example, str(traced), input_names=list(INPUTS), output_names=names,
            dynamic_axes=axes, opset_version=OPSET, dynamo=True, verbose=False,
        )  # fmt: skip
        # One self-contained file (the exporter writes weights beside it): the bundle's
        # digest must cover every weight, or a changed weight file would load unnoticed.
        fp32 = Path(tmp) / "fp32.onnx"
        onnx.save_model(onnx.load(str(traced)), str(fp32), save_as_external_data=False)
        if quantize == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Dynamic quantization (activations quantized per call from their observed
            # range: no calibration set) of an allow-list of nodes (int8_nodes). An
            # allow-list, not nodes_to_exclude: the dynamic quantizer rewrites each Gemm
            # as a MatMul of a new name first, so excluded Gemm nodes were quantized
            # anyway. uint8 weights (U8U8): on x86 CPUs without VNNI (AVX2, the machine
            # this was measured on), U8S8 products use VPMADDUBSW, whose int16 sums
            # saturate (onnxruntime's quantization docs): with int8 weights 7% of the
            # tiny model's emotion decisions flipped, with uint8 weights 0.2%
            # (docs/edge.md, "Accuracy").
            model = onnx.load(str(fp32))
            quantize_dynamic(
                str(fp32),
                str(path),
                weight_type=QuantType.QUInt8,
                op_types_to_quantize=["MatMul", "Gather"],
                nodes_to_quantize=int8_nodes(model),
            )
        else:
            shutil.copyfile(fp32, path)
    outside = {
        f"{task}.{key}": readout.get_parameter(key).detach().float().tolist()
        for task, readout in net.readouts.items()
        for key in readout.outside_graph
    }
    return {"inputs": list(INPUTS), "outputs": names, "quantize": quantize,
            "tokenizer": settings, "readout_parameters": outside}  # fmt: skip
