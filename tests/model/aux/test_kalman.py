"""KalmanStateEstimator: sentence means, one filter step by hand, padding and single sentences."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from redheart_lit.model.aux.kalman import KalmanStateEstimator
from redheart_lit.model.config import KalmanConfig

DIM = 8
CONFIG = KalmanConfig(state_dim=4, hidden=8, max_sentences=3)


def _kalman(config: KalmanConfig = CONFIG) -> KalmanStateEstimator:
    torch.manual_seed(0)
    return KalmanStateEstimator(DIM, config).eval()


def test_sentence_states_by_hand() -> None:
    kalman = _kalman()
    states = torch.arange(5, dtype=torch.float32)[None, :, None].expand(1, 5, DIM)
    sentence_ids = torch.tensor([[0, 0, 1, 1, 0]])
    mask = torch.tensor([[True, True, True, True, False]])  # the last token is padding
    sentences, present = kalman.sentence_states(states, mask, sentence_ids)
    assert sentences.shape == (1, 3, DIM)
    assert sentences[0, :, 0].tolist() == [0.5, 2.5, 0.0]  # means of (0, 1) and (2, 3)
    assert present.tolist() == [[True, True, False]]


def test_sentences_beyond_the_limit_share_the_last_slot() -> None:
    kalman = _kalman()
    states = torch.arange(4, dtype=torch.float32)[None, :, None].expand(1, 4, DIM)
    sentences, present = kalman.sentence_states(
        states, torch.ones(1, 4, dtype=torch.bool), torch.tensor([[0, 1, 2, 5]])
    )
    assert sentences[0, :, 0].tolist() == [0.0, 1.0, 2.5]
    assert present.all()


def test_single_sentence_is_one_filter_step_by_hand() -> None:
    kalman = _kalman()
    states = torch.randn(2, 6, DIM)
    mask = torch.ones(2, 6, dtype=torch.bool)
    out = kalman(states, mask, torch.zeros(2, 6, dtype=torch.long))
    assert out.shape == (2, DIM)
    assert torch.isfinite(out).all()

    y, raw_r = kalman.observe(states.mean(1)).chunk(2, dim=-1)
    r = F.softplus(raw_r) + 1e-4
    a = kalman.transition
    # From m = 0, P = 1: the prediction is m' = 0 and P' = row sums of A*A, plus q.
    p_pred = (a * a).sum(1) + kalman.log_q.exp()
    gain = p_pred / (p_pred + r)
    m, p = gain * y, (1 - gain) * p_pred
    expected = kalman.readout(torch.cat([m, p.log()], dim=-1))
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_padding_does_not_change_the_output() -> None:
    kalman = _kalman()
    states = torch.randn(1, 6, DIM)
    ids = torch.tensor([[0, 0, 0, 1, 1, 1]])
    plain = kalman(states, torch.ones(1, 6, dtype=torch.bool), ids)
    padded_states = torch.cat([states, torch.randn(1, 4, DIM)], dim=1)
    padded_ids = torch.cat([ids, torch.zeros(1, 4, dtype=torch.long)], dim=1)
    mask = torch.arange(10)[None] < 6
    torch.testing.assert_close(kalman(padded_states, mask, padded_ids), plain, atol=1e-5, rtol=0)


def test_empty_sentence_slots_skip_the_update() -> None:
    # More slots than sentences: the extra slots must not move the estimate.
    small = _kalman()
    large = KalmanStateEstimator(DIM, KalmanConfig(state_dim=4, hidden=8, max_sentences=6)).eval()
    large.load_state_dict(small.state_dict())
    states = torch.randn(2, 6, DIM)
    ids = torch.tensor([[0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1]])
    mask = torch.ones(2, 6, dtype=torch.bool)
    torch.testing.assert_close(large(states, mask, ids), small(states, mask, ids))


def test_every_parameter_gets_a_gradient() -> None:
    kalman = _kalman().train()
    ids = torch.tensor([[0, 0, 1, 1, 2, 2]])
    kalman(torch.randn(1, 6, DIM), torch.ones(1, 6, dtype=torch.bool), ids).sum().backward()
    for name, p in kalman.named_parameters():
        assert p.grad is not None
        assert p.grad.abs().sum() > 0, name
