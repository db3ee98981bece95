"""DSP: spectral features of the token-level emotion trajectory.

Job: emotions in text have rhythm (a steady complaint versus a sudden turn). A linear map
reads a 28-channel emotion trajectory off every token state; Welch's method (Hann window of
``n_fft`` tokens, step ``hop``, power spectra averaged over the windows that hold real
tokens) turns each channel into ``n_fft // 2 + 1`` log-power bins, independent of length.
An MLP maps the ``28 * bins`` features to ``D``; the result is added to the emotion head's
input. Switch off with ``model.config.aux.dsp.enabled=false``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from redheart_lit.model.config import DSPConfig


class SpectralTrajectory(nn.Module):
    """Args:
    dim: width of the token states it reads and of the features it returns.
    channels: trajectories projected from the states (the emotion task: one per label).
    """

    def __init__(self, dim: int, channels: int, config: DSPConfig) -> None:
        super().__init__()
        self.n_fft, self.hop = config.n_fft, config.hop
        bins = config.n_fft // 2 + 1
        self.trajectory = nn.Linear(dim, channels)
        self.register_buffer("window", torch.hann_window(config.n_fft), persistent=False)
        self.mlp = nn.Sequential(
            nn.Linear(channels * bins, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, dim),
        )

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """states ``[B, L, D]``, mask ``[B, L]`` -> spectral features ``[B, D]``."""
        traj = self.trajectory(states).float()  # FFT in fp32: bf16 has too few mantissa bits
        weights = mask.unsqueeze(-1).float()
        mean = (traj * weights).sum(1, keepdim=True) / weights.sum(1, keepdim=True).clamp_min(1)
        traj = ((traj - mean) * weights).transpose(1, 2)  # [B, C, L], no DC, zero at pads
        # A batch shorter than one window is zero-padded to one. An ONNX export would freeze
        # that branch at the traced length, so the graph always pads n_fft zeros instead:
        # the extra windows end past every text's length and ``valid`` below drops them,
        # so the values are the same (tests/model/aux/test_dsp.py). Eager keeps the
        # branch: its FFT shapes, hence its rounding and training runs, stay as they were.
        if torch.onnx.is_in_onnx_export():
            traj = F.pad(traj, (0, self.n_fft))
        elif traj.shape[-1] < self.n_fft:
            traj = F.pad(traj, (0, self.n_fft - traj.shape[-1]))
        frames = traj.unfold(-1, self.n_fft, self.hop)  # [B, C, F, n_fft]
        power = torch.fft.rfft(frames * self.window, dim=-1).abs().pow(2)  # [B, C, F, bins]
        # Exactly the windows the text would have unpadded: those that end within its real
        # length (a text shorter than one window keeps one, zero-padded): padding added by
        # batching with longer texts must not change a text's spectrum.
        ends = torch.arange(frames.shape[2], device=mask.device) * self.hop + self.n_fft
        real = mask.sum(1, keepdim=True).clamp_min(self.n_fft)  # [B, 1]
        valid = (ends[None, :] <= real).float()  # [B, F]
        power = (power * valid[:, None, :, None]).sum(2) / valid.sum(1)[:, None, None]
        features = torch.log1p(power).flatten(1)  # [B, C * bins]
        return self.mlp(features.to(states.dtype))
