"""The byte tokenizer: exact ids, padding, truncation and sentence ids."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from redheart_lit.tokenizer import BOS_ID, EOS_ID, PAD_ID, ByteTokenizer


def test_special_ids_and_vocab() -> None:
    assert (PAD_ID, BOS_ID, EOS_ID) == (0, 1, 2)
    # 256 byte values after the three special ids.
    assert ByteTokenizer.vocab_size == 259


def test_english_ids_by_hand() -> None:
    ids, _ = ByteTokenizer().encode("Hi")
    # "H" = 72, "i" = 105; bytes are shifted by 3 past the special ids.
    assert ids == [BOS_ID, 72 + 3, 105 + 3, EOS_ID]


@pytest.mark.parametrize(
    "text",
    ["I kept the wallet I found.", "안녕하세요. 고마워요!", "mixed 한국어 and English?\nyes"],
)
def test_round_trip(text: str) -> None:
    tok = ByteTokenizer(max_length=256)
    ids, sentence_ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(ids) == len(sentence_ids) == len(text.encode("utf-8")) + 2
    assert all(3 <= i <= 258 for i in ids[1:-1])


def test_korean_costs_three_bytes_a_syllable() -> None:
    ids, _ = ByteTokenizer().encode("안녕")
    assert len(ids) == 2 * 3 + 2
    # "안" is EC 95 88 in UTF-8.
    assert ids[1:4] == [0xEC + 3, 0x95 + 3, 0x88 + 3]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_round_trip_any_text(text: str) -> None:
    # 40 characters are at most 160 UTF-8 bytes, so nothing is truncated.
    tok = ByteTokenizer(max_length=200)
    ids, sentence_ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert ids[0] == BOS_ID
    assert ids[-1] == EOS_ID
    # Sentence ids never decrease and start at 0.
    assert sentence_ids[0] == 0
    assert all(a <= b for a, b in itertools.pairwise(sentence_ids))


def test_batch_padding_and_mask() -> None:
    enc = ByteTokenizer()(["abc", "a"])
    assert enc.input_ids.shape == (2, 5)  # longest row: BOS + 3 bytes + EOS
    assert enc.input_ids[1].tolist() == [BOS_ID, ord("a") + 3, EOS_ID, PAD_ID, PAD_ID]
    assert enc.attention_mask.tolist() == [[True] * 5, [True, True, True, False, False]]
    assert enc.attention_mask.dtype == torch.bool
    assert enc.sentence_ids[1].tolist() == [0, 0, 0, 0, 0]
    assert enc.input_ids.dtype == torch.long


def test_truncation_to_max_length() -> None:
    tok = ByteTokenizer(max_length=10)
    text = "abcdefghijklmnop"
    ids, sentence_ids = tok.encode(text)
    # max_length counts BOS and EOS: 8 bytes of text survive.
    assert len(ids) == len(sentence_ids) == 10
    assert ids[0] == BOS_ID
    assert ids[-1] == EOS_ID
    assert tok.decode(ids) == "abcdefgh"
    assert tok([text, "x"]).input_ids.shape == (2, 10)


def test_truncation_counts_bytes_not_characters() -> None:
    # 5 bytes of room: one Korean syllable (3 bytes) and the first 2 bytes of the next.
    ids, _ = ByteTokenizer(max_length=7).encode("안녕하세요")
    assert len(ids) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # BOS, H, i, ".", then " Bye." is sentence 1, and so is EOS.
        ("Hi. Bye.", [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]),
        # A final sentence end opens no new (empty) sentence.
        ("Done.", [0, 0, 0, 0, 0, 0, 0]),
        ("a!b?c", [0, 0, 0, 1, 1, 2, 2]),
        ("a\nb", [0, 0, 0, 1, 1]),
        # A comma does not end a sentence.
        ("a,b", [0, 0, 0, 0, 0]),
        ("가. 나", [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    ],
)
def test_sentence_ids(text: str, expected: list[int]) -> None:
    _, sentence_ids = ByteTokenizer().encode(text)
    assert sentence_ids == expected


def test_sentence_end_cut_by_truncation_opens_no_sentence() -> None:
    # "Hi. Bye." truncated to 3 bytes is "Hi.": the "." is now the last byte.
    _, sentence_ids = ByteTokenizer(max_length=5).encode("Hi. Bye.")
    assert sentence_ids == [0, 0, 0, 0, 0]


def test_batch_sentence_ids() -> None:
    enc = ByteTokenizer()(["a. b", "c"])
    assert enc.sentence_ids.tolist() == [[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]]


def test_to_dict_from_dict_round_trip() -> None:
    tok = ByteTokenizer(max_length=64)
    assert tok.to_dict() == {"max_length": 64, "kind": "bytes"}
    assert ByteTokenizer.from_dict(tok.to_dict()) == tok


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"tokenizer\.kind='bpe'.*only 'bytes'"):
        ByteTokenizer.from_dict({"kind": "bpe", "max_length": 64})


def test_too_small_max_length_is_rejected() -> None:
    # BOS and EOS alone take two positions.
    with pytest.raises(ValueError, match=r"max_length must be >= 3, got 2"):
        ByteTokenizer(max_length=2)
