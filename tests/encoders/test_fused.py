"""Fusing several frozen encoders: span alignment by hand, and the features end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tests.helpers import make_tiny_hf_encoder, make_tiny_roberta_encoder

from redheart_lit.data.inputs import text_encoder
from redheart_lit.encoders import EncoderLoadError, FusedFeatures, alignment, load_encoder


def _spans(*spans: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([spans]), torch.ones(1, len(spans), dtype=torch.bool)


def test_alignment_weights_by_shared_characters_and_matches_specials() -> None:
    # Anchor: [CLS] "sorry"(0,5) "friend"(6,12) [SEP]; member: <s> "sor"(0,3) "ry fr"(3,8)
    # "iend"(8,12) </s>.
    anchor, a_mask = _spans((0, 0), (0, 5), (6, 12), (0, 0))
    member, m_mask = _spans((0, 0), (0, 3), (3, 8), (8, 12), (0, 0))
    w = alignment(anchor, a_mask, member, m_mask)[0]
    expected = torch.tensor([
        [1, 0, 0, 0, 0],            # [CLS] -> <s>
        [0, 3 / 5, 2 / 5, 0, 0],    # "sorry": 3 chars from "sor", 2 from "ry fr"
        [0, 0, 2 / 6, 4 / 6, 0],    # "friend": 2 chars from "ry fr", 4 from "iend"
        [0, 0, 0, 0, 1],            # [SEP] -> </s>
    ])  # fmt: skip
    torch.testing.assert_close(w, expected)


def test_alignment_falls_back_to_the_member_mean_only_where_nothing_overlaps() -> None:
    # The member truncated after "sorry" and has no specials; padding stays zero.
    anchor = torch.tensor([[(0, 5), (6, 12), (0, 0)]])
    a_mask = torch.tensor([[True, True, False]])
    member, m_mask = _spans((0, 2), (2, 5))
    w = alignment(anchor, a_mask, member, m_mask)[0]
    torch.testing.assert_close(w, torch.tensor([[0.4, 0.6], [0.5, 0.5], [0.0, 0.0]]))


@pytest.fixture(scope="module")
def members(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("fused")
    return [make_tiny_hf_encoder(root / "bert", 24), make_tiny_roberta_encoder(root / "roberta")]


def test_fused_features_concatenate_members_on_the_anchor_grid(members, tmp_path) -> None:
    loaded = [load_encoder(str(m)) for m in members]
    fused = FusedFeatures(loaded, max_length=32, cache_dir=tmp_path)
    texts = ["I lied to my friend and I am sorry.", "나는 친구에게 거짓말을 했다."]
    enc = fused(texts)
    anchor = fused.members[0](texts)
    assert enc.input_ids.shape == (*anchor.input_ids.shape[:2], 24 + 16)
    torch.testing.assert_close(enc.input_ids[..., :24], anchor.input_ids)
    assert torch.equal(enc.attention_mask, anchor.attention_mask)
    # Every real anchor token got a convex mix of the second member's states.
    second, spans = fused.members[1].with_offsets(texts)
    w = alignment(fused.members[0].with_offsets(texts)[1], anchor.attention_mask, spans,
                  second.attention_mask)  # fmt: skip
    torch.testing.assert_close(enc.input_ids[..., 24:], w @ second.input_ids)
    assert torch.allclose(w.sum(-1), anchor.attention_mask.float())
    # Each member caches on its own: a second call is served from disk, identically.
    assert fused.warm(texts) == 0
    torch.testing.assert_close(fused(texts).input_ids, enc.input_ids)


def test_text_encoder_checks_each_members_hidden_size(members) -> None:
    config = {
        "kind": "fused", "max_length": 32, "fusion": "mean",
        "members": [{"name": str(members[0]), "hidden_size": 24},
                    {"name": str(members[1]), "hidden_size": 32}],
    }  # fmt: skip
    with pytest.raises(
        EncoderLoadError, match=r"members\[1\]\) has hidden size 16.*hidden_size=32"
    ):
        text_encoder({}, config, None)
