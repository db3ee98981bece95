"""Temperature: buffers only, fitted by NLL on held-out logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from redheart_lit.model.aux.calibration import Temperature


def _calibrated_problem(n: int = 2000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and labels drawn from sigmoid(logits): already perfectly calibrated."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, generator=g) * 2
    return logits, torch.bernoulli(torch.sigmoid(logits), generator=g)


def test_starts_as_identity_and_has_no_parameters() -> None:
    calib = Temperature(28)
    # Buffers: no optimizer can touch them, but checkpoints carry them.
    assert not list(calib.parameters())
    assert set(calib.state_dict()) == {"log_t"}
    assert calib.value.shape == (28,)
    logits = torch.randn(3, 28)
    torch.testing.assert_close(calib(logits), torch.sigmoid(logits))
    single = Temperature(1)
    torch.testing.assert_close(single(logits[:, 0]), torch.sigmoid(logits[:, 0]))


def test_fit_undoes_overconfidence() -> None:
    logits, labels = _calibrated_problem()
    overconfident = logits * 5
    calib = Temperature(1)
    before = F.binary_cross_entropy_with_logits(overconfident, labels).item()
    calib.fit(overconfident, labels)
    after = F.binary_cross_entropy(calib(overconfident), labels).item()
    assert after < before - 0.2
    assert 4.0 < calib.value.item() < 6.0


def test_fit_keeps_calibrated_logits_near_temperature_one() -> None:
    logits, labels = _calibrated_problem()
    calib = Temperature(1)
    calib.fit(logits, labels)
    assert abs(calib.value.item() - 1.0) < 0.15


def test_emotion_labels_get_one_temperature_each() -> None:
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(1000, 28, generator=g) * 2
    labels = torch.bernoulli(torch.sigmoid(logits), generator=g)
    scale = torch.ones(28)
    scale[0], scale[1] = 0.5, 3.0  # label 0 underconfident, label 1 overconfident
    calib = Temperature(28)
    calib.fit(logits * scale, labels)
    t = calib.value
    assert 0.35 < t[0].item() < 0.65
    assert 2.4 < t[1].item() < 3.6
    assert (t[2:] - 1).abs().max() < 0.35


def test_fit_converges_on_sparse_labels_and_weak_logits() -> None:
    # 40 rows, 28 labels, ~10% positive, all logits in [-1.6, -0.2]: what a tiny model
    # gives after one epoch. A fixed-step LBFGS diverged to NaN here.
    torch.manual_seed(0)
    logits = -0.2 - 1.4 * torch.rand(40, 28)
    targets = (torch.rand(40, 28) < 0.1).float()
    temperature = Temperature(28)
    before = F.binary_cross_entropy(temperature(logits), targets)
    temperature.fit(logits, targets)
    assert torch.isfinite(temperature.log_t).all()
    assert F.binary_cross_entropy(temperature(logits), targets) < before


def test_degenerate_fit_is_clamped() -> None:
    # Only positives, all with negative logits: the NLL keeps falling as T grows (every
    # probability creeps up to 0.5), so the fit must stop at the clamp, T = e^3.
    calib = Temperature(1)
    calib.fit(torch.full((10,), -0.5), torch.ones(10))
    assert calib.log_t.item() == 3.0


def test_fit_on_no_rows_changes_nothing() -> None:
    calib = Temperature(1)
    calib.fit(torch.zeros(0), torch.zeros(0))
    assert calib.value.item() == 1.0
