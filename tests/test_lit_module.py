"""RedHeartModule options that the training tests do not exercise: model.compile."""

from __future__ import annotations

import torch
from tests.helpers import full_batch, tiny_config

from redheart_lit.lit_module import RedHeartModule


def test_compiled_backbone_keeps_keys_and_outputs() -> None:
    torch.manual_seed(0)
    eager = RedHeartModule(tiny_config()).eval()
    compiled = RedHeartModule(tiny_config(), compile=True).eval()
    # Compiled in place: checkpoints of either load into the other.
    assert list(compiled.state_dict()) == list(eager.state_dict())
    compiled.load_state_dict(eager.state_dict())
    assert compiled.hparams["compile"] is True
    batch = full_batch()
    with torch.no_grad():
        expected = eager(batch).emotion_logits
        got = compiled(batch).emotion_logits
    assert torch.allclose(got, expected, atol=1e-5)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1
