"""The backbone and its two input modules (byte embedding, external hidden states)."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.model.backbone import Backbone, ByteEmbedding, HiddenStateProjection
from redheart_lit.model.config import BackboneConfig

TINY = {
    "d_model": 32,
    "n_layers": 1,
    "n_heads": 2,
    "ffn_dim": 64,
    "dropout": 0.0,
    "max_positions": 16,
}


def test_byte_embedding_is_token_plus_position() -> None:
    torch.manual_seed(0)
    emb = ByteEmbedding(dim=4, max_positions=8)
    ids = torch.tensor([[1, 10, 2]])
    expected = emb.tokens.weight[[1, 10, 2]] + emb.positions.weight[:3]
    torch.testing.assert_close(emb(ids)[0], expected)


def test_byte_embedding_rejects_too_long_sequences() -> None:
    emb = ByteEmbedding(dim=4, max_positions=8)
    with pytest.raises(ValueError, match="sequence of 9 tokens exceeds max_positions=8"):
        emb(torch.ones(1, 9, dtype=torch.long))


def test_byte_backbone_shape_and_padding_invariance() -> None:
    torch.manual_seed(0)
    backbone = Backbone(BackboneConfig(**TINY)).eval()
    ids = torch.randint(3, 259, (1, 6))
    states = backbone(ids, torch.ones(1, 6, dtype=torch.bool))
    assert states.shape == (1, 6, 32)
    padded = torch.cat([ids, torch.zeros(1, 4, dtype=torch.long)], dim=1)
    mask = torch.arange(10)[None] < 6
    torch.testing.assert_close(backbone(padded, mask)[:, :6], states, atol=1e-5, rtol=0)


def test_hidden_state_backbone_runs_on_encoder_states() -> None:
    torch.manual_seed(0)
    config = BackboneConfig(**TINY, input="hidden_states", input_dim=24)
    backbone = Backbone(config).eval()
    assert isinstance(backbone.input, HiddenStateProjection)
    states = backbone(torch.randn(2, 5, 24), torch.ones(2, 5, dtype=torch.bool))
    assert states.shape == (2, 5, 32)


def test_hidden_state_size_mismatch_names_both_sizes() -> None:
    backbone = Backbone(BackboneConfig(**TINY, input="hidden_states", input_dim=24))
    with pytest.raises(ValueError, match=r"hidden size 16 .*input_dim=24"):
        backbone(torch.randn(2, 5, 16), torch.ones(2, 5, dtype=torch.bool))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"input": "hidden_states"}, "needs input_dim"),
        ({"input": "wordpiece"}, "input must be 'bytes' or 'hidden_states'"),
        ({"n_heads": 5}, "d_model=32 not divisible by n_heads=5"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"n_layers": 0}, "backbone.n_layers must be > 0"),
    ],
)
def test_bad_backbone_config(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BackboneConfig(**{**TINY, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["mean", "attention"])
def test_fused_projection_starts_as_the_plain_average_of_members(mode: str) -> None:
    from redheart_lit.model.backbone import FusedProjection

    torch.manual_seed(0)
    fuse = FusedProjection((6, 4), dim=8, mode=mode)
    x = torch.randn(2, 5, 10)
    members = fuse.member_states(x)
    assert members.shape == (2, 5, 2, 8)
    # Zero-initialised weights / query: both members count equally until training moves them.
    torch.testing.assert_close(fuse(x), members.mean(-2))
    with torch.no_grad():
        if mode == "mean":
            fuse.weight_logits.copy_(torch.tensor([10.0, -10.0]))
            torch.testing.assert_close(fuse(x), members[..., 0, :], atol=1e-6, rtol=0)
        else:
            fuse.query.copy_(torch.randn(8) * 3)  # (a constant query scores 0 after LayerNorm)
            w = fuse.weights(members)
            assert torch.allclose(w.sum(-1), torch.ones(2, 5))
            assert not torch.allclose(w, torch.full_like(w, 0.5))
    with pytest.raises(ValueError, match=r"size 9 .*\[6, 4\]"):
        fuse(torch.randn(1, 2, 9))
