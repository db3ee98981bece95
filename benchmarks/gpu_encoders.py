"""Randomly initialised encoders with the published shapes of the production members.

The three encoders of the serving benchmark (KcELECTRA-base, RoBERTa-base,
KLUE-BERT-base) cannot be downloaded here; one with the same layers, widths and
vocabulary costs the same per token, which is what serving latency depends on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch


@dataclass(frozen=True)
class EncoderShape:
    """The architecture numbers that set an encoder's compute cost."""

    layers: int
    hidden: int
    heads: int
    ffn: int
    max_positions: int
    vocab_size: int | None  # None: the trained tokenizer's size


# (member, architecture, real config): KcELECTRA-base, RoBERTa-base, KLUE-BERT-base, with
# their published hidden sizes, depths and vocabularies.
BASE_MEMBERS: tuple[tuple[str, str, EncoderShape], ...] = (
    ("kcelectra_base_shape", "electra", EncoderShape(12, 768, 12, 3072, 512, 50135)),
    ("roberta_base_shape", "roberta", EncoderShape(12, 768, 12, 3072, 514, 50265)),
    ("klue_bert_base_shape", "bert", EncoderShape(12, 768, 12, 3072, 512, 32000)),
)
TINY_MEMBERS: tuple[tuple[str, str, EncoderShape], ...] = (
    ("kcelectra_tiny", "electra", EncoderShape(1, 32, 2, 64, 130, None)),
    ("roberta_tiny", "roberta", EncoderShape(1, 24, 2, 48, 132, None)),
    ("klue_bert_tiny", "bert", EncoderShape(1, 16, 2, 32, 130, None)),
)
# Tokenizer vocabulary caps. The sample corpus is small, so the vocabularies stop below
# them (~1,800 entries) and the two WordPiece members tokenize alike; their token counts
# are in the report.
_TOKENIZER_VOCAB = 4000


def make_encoder(
    folder: Path, arch: str, shape: EncoderShape, corpus: list[str], seed: int
) -> dict[str, Any]:
    """A randomly initialised encoder of ``shape`` and a tokenizer trained on ``corpus``,
    saved with ``save_pretrained`` so that it loads like a hub model.

    Returns what was built: parameters, the model's and the tokenizer's vocabulary sizes.
    """
    from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer, processors
    from transformers import (
        BertConfig,
        BertModel,
        BertTokenizerFast,
        ElectraConfig,
        ElectraModel,
        ElectraTokenizerFast,
        RobertaConfig,
        RobertaModel,
        RobertaTokenizerFast,
    )

    folder.mkdir(parents=True, exist_ok=True)
    if arch == "roberta":
        bpe = ByteLevelBPETokenizer()
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        bpe.train_from_iterator(
            corpus, vocab_size=_TOKENIZER_VOCAB, min_frequency=2, special_tokens=specials
        )
        bpe._tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
        bpe.save(str(folder / "bpe.json"))
        RobertaTokenizerFast(tokenizer_file=str(folder / "bpe.json")).save_pretrained(folder)
        vocab = bpe.get_vocab_size()
    else:
        # Cased and without accent stripping: stripping would decompose Hangul into jamo.
        wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False)
        wordpiece.train_from_iterator(
            corpus, vocab_size=_TOKENIZER_VOCAB, min_frequency=2,
            special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
        )  # fmt: skip
        wordpiece.save_model(str(folder))
        kind = ElectraTokenizerFast if arch == "electra" else BertTokenizerFast
        kind(vocab_file=str(folder / "vocab.txt"), do_lower_case=False).save_pretrained(folder)
        vocab = wordpiece.get_vocab_size()
    size = {
        "vocab_size": max(vocab, shape.vocab_size or 0), "hidden_size": shape.hidden,
        "num_hidden_layers": shape.layers, "num_attention_heads": shape.heads,
        "intermediate_size": shape.ffn, "max_position_embeddings": shape.max_positions,
    }  # fmt: skip
    torch.manual_seed(seed)
    if arch == "electra":
        model = ElectraModel(ElectraConfig(embedding_size=shape.hidden, **size))
    elif arch == "roberta":
        model = RobertaModel(RobertaConfig(pad_token_id=1, **size))
    else:
        model = BertModel(BertConfig(**size))
    model.save_pretrained(folder)
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "model_vocab_size": size["vocab_size"],
        "tokenizer_vocab_size": vocab,
    }


def fused_overrides(members: list[tuple[Path, int]]) -> list[str]:
    """``encoder=fused`` with local ``(folder, hidden size)`` members."""
    listed = ", ".join(f"{{name: '{p}', revision: null, hidden_size: {h}}}" for p, h in members)
    return [
        "encoder=fused",
        f"model.config.encoder.members=[{listed}]",
        f"model.config.backbone.input_dim={sum(h for _, h in members)}",
    ]
