"""SpectralTrajectory: Welch log-power features of the emotion trajectory."""

from __future__ import annotations

import pytest
import torch

from redheart_lit.model.aux.dsp import SpectralTrajectory
from redheart_lit.model.config import DSPConfig

DIM = 8
CONFIG = DSPConfig(n_fft=16, hop=8, hidden=8)


def _dsp() -> SpectralTrajectory:
    torch.manual_seed(0)
    return SpectralTrajectory(DIM, 28, CONFIG).eval()


def _mask(length: int, total: int) -> torch.Tensor:
    return (torch.arange(total) < length)[None]


def _pad(x: torch.Tensor, total: int) -> torch.Tensor:
    # Random states in the padding: only the mask may keep them out.
    return torch.cat([x, torch.randn(1, total - x.shape[1], DIM)], dim=1)


@pytest.mark.parametrize("length", [3, 16, 40])
def test_features_have_the_same_width_for_any_length(length: int) -> None:
    out = _dsp()(torch.randn(2, length, DIM), torch.ones(2, length, dtype=torch.bool))
    assert out.shape == (2, DIM)
    assert torch.isfinite(out).all()


def test_constant_trajectory_has_no_power() -> None:
    # Every token the same: after removing the mean the trajectory is zero, so every
    # log1p(power) feature is 0 and the output is the MLP of zeros.
    dsp = _dsp()
    states = torch.randn(1, 1, DIM).expand(1, 20, DIM)
    bins = CONFIG.n_fft // 2 + 1
    expected = dsp.mlp(torch.zeros(1, 28 * bins))
    out = dsp(states, torch.ones(1, 20, dtype=torch.bool))
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_one_window_features() -> None:
    dsp = _dsp()
    states = torch.randn(1, 16, DIM)
    seen: list[torch.Tensor] = []
    dsp.mlp[0].register_forward_hook(lambda m, args, out: seen.append(args[0]))
    dsp(states, torch.ones(1, 16, dtype=torch.bool))
    traj = dsp.trajectory(states)[0].T  # [28, 16]
    traj = traj - traj.mean(-1, keepdim=True)
    window = torch.hann_window(16)
    power = torch.fft.rfft(traj * window, dim=-1).abs() ** 2  # [28, 9]
    torch.testing.assert_close(seen[0], torch.log1p(power).flatten()[None], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("length", "total"),
    [(10, 14), (16, 20)],
    ids=["shorter than a window", "padding adds no window"],
)
def test_padding_that_adds_no_window_changes_nothing(length: int, total: int) -> None:
    dsp = _dsp()
    x = torch.randn(1, length, DIM)
    plain = dsp(x, _mask(length, length))
    padded = dsp(_pad(x, total), _mask(length, total))
    torch.testing.assert_close(padded, plain, atol=1e-5, rtol=0)


def test_padding_never_changes_the_features() -> None:
    dsp = _dsp()
    x = torch.randn(1, 20, DIM)
    plain = dsp(x, _mask(20, 20))  # one window: tokens 0..15
    padded = dsp(_pad(x, 40), _mask(20, 40))  # windows at 0, 8, 16 all start on real tokens
    torch.testing.assert_close(padded, plain, atol=1e-5, rtol=0)


def test_gradients_reach_the_trajectory_map() -> None:
    dsp = _dsp().train()
    dsp(torch.randn(2, 24, DIM), torch.ones(2, 24, dtype=torch.bool)).sum().backward()
    for name, p in dsp.named_parameters():
        assert p.grad is not None
        assert p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("length", [3, 16, 40, 97])
def test_the_export_graphs_padding_gives_the_eager_values(length: int, monkeypatch) -> None:
    dsp = _dsp()
    x = torch.randn(2, length, DIM)
    mask = torch.ones(2, length, dtype=torch.bool)
    mask[1, length // 2 :] = False
    eager = dsp(x, mask)
    monkeypatch.setattr(torch.onnx, "is_in_onnx_export", lambda: True)
    assert torch.allclose(dsp(x, mask), eager, atol=1e-6)
