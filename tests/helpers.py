"""Builders shared by the unit tests: the tiny model config, records, batches and outputs.

Import as ``from tests.helpers import ...`` (pytest's importlib mode resolves ``tests``
from the project root).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch

from redheart_lit.data.batch import Batch
from redheart_lit.data.collate import Collator
from redheart_lit.data.schema import Record
from redheart_lit.model import ModelConfig
from redheart_lit.tasks.readout import (
    BenthamOutput,
    EmotionOutput,
    MultiTaskNet,
    RegretOutput,
    SurdOutput,
)
from redheart_lit.tasks.spec import BENTHAM_FACTORS, BUILT_IN_TASKS, EMOTION_LABELS, SURD_SHARES
from redheart_lit.tokenizer import ByteTokenizer

# Mirrors conf/model/tiny.yaml merged over conf/model/small.yaml (test_redheart checks it
# against the composed config, so the two cannot drift apart silently).
_TINY_CONFIG: dict[str, Any] = {
    "tasks": list(BUILT_IN_TASKS),
    "gradient_checkpointing": False,
    "tokenizer": {"kind": "bytes", "max_length": 96},
    "backbone": {
        "d_model": 32,
        "n_layers": 1,
        "n_heads": 2,
        "ffn_dim": 64,
        "dropout": 0.0,
        "max_positions": 128,
        "input": "bytes",
        "input_dim": None,
    },
    "analyzers": {t: {"enabled": True, "n_layers": 1, "ffn_dim": 64} for t in BUILT_IN_TASKS},
    "heads": {
        "emotion": {"hidden": 16, "depth": 1, "n_experts": 8},
        "bentham": {"hidden": 32, "depth": 1, "n_experts": 1},
        "regret": {"hidden": 32, "depth": 1, "n_experts": 1},
        "surd": {"hidden": 32, "depth": 1, "n_experts": 1},
    },
    "aux": {
        "dsp": {"enabled": True, "n_fft": 16, "hop": 8, "hidden": 32},
        "kalman": {"enabled": True, "state_dim": 16, "hidden": 32, "max_sentences": 4},
        "calibration": {"enabled": True},
    },
    "encoder": {
        "kind": "own",
        "name": None,
        "revision": None,
        "frozen": True,
        "max_length": 128,
        "members": [],
        "fusion": "mean",
        "prefix": "",
    },
}


# The per-row output fields of each task (cf_utility is per counterfactual, not per row).
ROW_OUTPUTS = (
    ("emotion", "logits"),
    ("bentham", "factors"),
    ("bentham", "utility"),
    ("bentham", "acceptability_logit"),
    ("regret", "logit"),
    ("surd", "raw"),
)


def tiny_config() -> dict[str, Any]:
    """A fresh (deep-copied) tiny model config mapping; tests may mutate it freely."""
    return copy.deepcopy(_TINY_CONFIG)


def build_net(config: dict[str, Any] | None = None, seed: int = 0) -> MultiTaskNet:
    """The trunk and readouts for ``config`` (tiny by default), weights fixed by ``seed``."""
    torch.manual_seed(seed)
    return MultiTaskNet(ModelConfig.from_dict(config or tiny_config()))


def emotion_multi_hot(*ids: int) -> list[float]:
    """The 28-dim multi-hot vector the schema makes from a list of emotion ids."""
    return [1.0 if i in ids else 0.0 for i in range(len(EMOTION_LABELS))]


def all_labels(with_preference: bool = False) -> dict[str, Any]:
    """Parsed labels (as in a :class:`Record`) for every label key."""
    labels: dict[str, Any] = {
        "emotion": emotion_multi_hot(2, 25),
        "bentham": [0.1 * (i % 10) for i in range(len(BENTHAM_FACTORS))],
        "acceptability": 1.0,
        "regret": 0.3,
        "surd": [0.1, 0.2, 0.3, 0.4],
    }
    if with_preference:
        labels["utility_pref"] = 1.0
    return labels


def record(rid: str, text: str, counterfactual: str | None = None, **labels: Any) -> Record:
    """A validated-looking record with the given parsed labels."""
    return Record(id=rid, text=text, lang="en", counterfactual=counterfactual, labels=labels)


def collate(records: list[Record], max_length: int = 96) -> Batch:
    return Collator(ByteTokenizer(max_length=max_length))(records)


def full_batch() -> Batch:
    """Three rows: all labels + counterfactual, all labels without one, and no labels."""
    return collate(
        [
            record(
                "a",
                "I borrowed it. I never gave it back.",
                counterfactual="I gave it back the next day.",
                **all_labels(with_preference=True),
            ),
            record("b", "What a lovely morning! Truly.", **all_labels()),
            record("c", "No labels here."),
        ]
    )


def random_output(batch: Batch, seed: int = 0, requires_grad: bool = False) -> dict[str, Any]:
    """Synthetic task outputs with the right shapes for ``batch`` (for losses and metrics)."""
    g = torch.Generator().manual_seed(seed)
    b, c = len(batch), batch.cf_index.numel()

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g).requires_grad_(requires_grad)

    factors = torch.rand(b, len(BENTHAM_FACTORS), generator=g).requires_grad_(requires_grad)
    surd_raw = torch.rand(b, len(SURD_SHARES), generator=g).requires_grad_(requires_grad)
    return {
        "emotion": EmotionOutput(rand(b, len(EMOTION_LABELS))),
        "bentham": BenthamOutput(factors, rand(b), rand(b), rand(c)),
        "regret": RegretOutput(rand(b)),
        "surd": SurdOutput(surd_raw),
    }


def make_tiny_hf_encoder(folder: Path, hidden: int = 24) -> Path:
    """Save a randomly initialised 1-layer BERT and a fast WordPiece tokenizer to ``folder``.

    It loads with ``AutoModel``/``AutoTokenizer`` like a hub model, offline.
    """
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    words = [
        "i",
        "you",
        "we",
        "the",
        "a",
        "was",
        "is",
        "not",
        "to",
        "and",
        "my",
        "it",
        ".",
        ",",
        "!",
        "?",
        "sad",
        "happy",
        "sorry",
        "lied",
        "helped",
    ]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, *"abcdefghijklmnopqrstuvwxyz"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=64,
    )  # fmt: skip
    BertModel(config).save_pretrained(folder)
    return folder


def make_tiny_roberta_encoder(folder: Path, hidden: int = 16) -> Path:
    """A randomly initialised 1-layer RoBERTa with a byte-level BPE tokenizer trained here.

    Its tokens differ from :func:`make_tiny_hf_encoder`'s WordPiece ones (spaces belong to
    the next token, Hangul splits into bytes), which is what fused-encoder alignment needs.
    """
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    corpus = [
        "I lied to my friend and I am sorry.", "We helped the old man cross the road.",
        "나는 친구에게 거짓말을 했다.", "오늘은 정말 행복한 날이다!",
    ]  # fmt: skip
    bpe.train_from_iterator(
        corpus * 20, vocab_size=400, min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )  # fmt: skip
    bpe._tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    bpe.save(str(folder / "bpe.json"))
    RobertaTokenizerFast(tokenizer_file=str(folder / "bpe.json")).save_pretrained(folder)
    torch.manual_seed(1)
    config = RobertaConfig(
        vocab_size=bpe.get_vocab_size(), hidden_size=hidden, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=2 * hidden, max_position_embeddings=80,
        pad_token_id=1,
    )  # fmt: skip
    RobertaModel(config).save_pretrained(folder)
    return folder


def seed_losses(tasks: tuple[str, ...] | list[str] = BUILT_IN_TASKS) -> dict[str, Any]:
    """The default loss of each task (the ``conf/loss/<task>`` defaults), built directly."""
    from redheart_lit.losses import FocalLoss, HuberLoss, MSEPenaltyLoss, SimplexMSELoss
    from redheart_lit.tasks.bentham import BenthamLoss

    parts = {"factors": 1.0, "utility_pref": 1.0, "acceptability": 1.0}
    losses = {
        "emotion": FocalLoss(gamma=2.0),
        "bentham": BenthamLoss(MSEPenaltyLoss(1.0), parts),
        "regret": HuberLoss(0.5),
        "surd": SimplexMSELoss(0.1),
    }
    return {t: losses[t] for t in tasks}


def build_module(config: dict[str, Any] | None = None, seed: int = 0) -> Any:
    """A :class:`MultiTaskModule` with the default losses and fixed weights of 1."""
    from redheart_lit.losses import FixedWeighting
    from redheart_lit.tasks import MultiTaskModule

    config = config or tiny_config()
    torch.manual_seed(seed)
    tasks = config["tasks"]
    weighting = FixedWeighting(tasks, dict.fromkeys(tasks, 1.0))
    return MultiTaskModule(config, losses=seed_losses(tasks), weighting=weighting)


def total_loss(module: Any, batch: Batch, stage: str = "test") -> torch.Tensor:
    """The optimised loss of ``module`` on ``batch``, computed as its training step does
    (without a Trainer: no logging)."""
    shared = module.trunk(batch)
    losses = {}
    for name, task in module.task_modules().items():
        step = task.task_step(batch, shared, stage)
        if step.loss is not None:
            losses[name] = step.loss
    total = module.combine(losses)
    assert total is not None
    return total


def assert_png_not_blank(path: Path, min_std: float = 0.02) -> None:
    """``path`` is a PNG whose pixels vary (a figure with content, not an empty canvas)."""
    import matplotlib.image

    assert path.is_file(), f"{path} missing"
    pixels = matplotlib.image.imread(path)  # [H, W, C] floats in [0, 1]
    std = float(pixels[..., :3].std())
    assert std > min_std, f"{path} looks blank (pixel std {std:.4f})"


def wandb_records(path: Path) -> list[Any]:
    """The protobuf records of an offline W&B run file (``run-<id>.wandb``).

    wandb >= 0.19 writes runs from its Go core and ships no Python reader, so the file is
    read here: a 7-byte W&B header, then LevelDB's log format (32 KiB blocks of chunks,
    each with a 7-byte header: crc32 4, length 2, type 1 = full, 2 = first, 3 = middle,
    4 = last), each record a ``wandb_internal_pb2.Record``.
    """
    import struct

    from wandb.proto import wandb_internal_pb2

    data, block = path.read_bytes(), 32768
    if not data.startswith(b":W&B"):
        raise ValueError(f"{path} is not a W&B run file")
    records, pos, pending = [], 7, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # the rest of a block too short for a header is padding
            pos += left
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if length == 0 and kind == 0:
            pos += left
            continue
        chunk, pos = data[pos + 7 : pos + 7 + length], pos + 7 + length
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
    return records


def finished_wandb_records(path: Path, timeout_s: float = 60.0) -> list[Any]:
    """:func:`wandb_records` once the run file ends with its ``exit`` record.

    ``wandb.finish()`` can return before wandb's core process has written the offline run
    file out (it was seen empty right after), so this waits for the last record.
    """
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            records = wandb_records(path)
        except Exception as err:  # a chunk still being written; the deadline re-raises
            if time.monotonic() > deadline:
                raise AssertionError(f"{path}: unreadable after {timeout_s} s ({err})") from err
        else:
            if records and records[-1].WhichOneof("record_type") == "exit":
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"{path}: no exit record after {timeout_s} s")
        time.sleep(0.2)
