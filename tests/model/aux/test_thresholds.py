"""DecisionThresholds: integer buffers only, default 0.5, fitted per label on dev probabilities."""

from __future__ import annotations

import torch
from tests.helpers import build_net, tiny_config

from redheart_lit.model.aux.thresholds import DecisionThresholds, tune_thresholds


def test_starts_at_one_half_unfitted_and_has_no_parameters() -> None:
    thresholds = DecisionThresholds(28)
    # Buffers: no optimizer can touch them, but checkpoints carry them.
    assert not list(thresholds.parameters())
    assert set(thresholds.state_dict()) == {"hundredths", "tuned", "fitted_rows"}
    assert thresholds.value.tolist() == [0.5] * 28
    assert not thresholds.tuned.any()
    assert thresholds.fitted_rows.item() == 0


def test_fit_tunes_each_label_and_marks_labels_without_positives() -> None:
    # Label 0: positives at 0.9 and 0.355, negatives at 0.3 and 0.1: F1 = 1 for every
    # threshold in 0.31..0.35, and 0.35 is the closest to 0.5. Label 1 has no positive.
    probabilities = torch.full((4, 28), 0.2)
    probabilities[:, 0] = torch.tensor([0.9, 0.355, 0.3, 0.1])
    targets = torch.zeros(4, 28)
    targets[:, 0] = torch.tensor([1.0, 1.0, 0.0, 0.0])
    targets[0, 2:] = 1.0  # every other label has a positive
    thresholds = DecisionThresholds(28)
    thresholds.fit(probabilities, targets)
    assert thresholds.hundredths[0].item() == 35
    assert thresholds.value[1].item() == 0.5
    assert thresholds.tuned.tolist() == [True, False] + [True] * 26
    assert thresholds.fitted_rows.item() == 4
    assert thresholds(probabilities)[:, 0].tolist() == [True, True, False, False]


def test_decisions_match_the_tuning_on_the_grid_and_survive_half_precision() -> None:
    # float32(0.35) = 0.34999999 lies just below the grid value 0.35. The tuning sees the
    # positive at 0.35 as below 0.35 and picks 0.34 (F1 = 1 on 0.21..0.34); the module
    # must decide that row the same way, also after a cast to bf16 (a float buffer would
    # turn 0.34 into 0.3398).
    probabilities = torch.full((2, 28), 0.2)
    probabilities[0] = 0.35
    targets = torch.zeros(2, 28)
    targets[0] = 1.0
    assert tune_thresholds(probabilities.numpy(), targets.numpy()).thresholds[0] == 0.34
    thresholds = DecisionThresholds(28)
    thresholds.fit(probabilities, targets)
    thresholds = thresholds.to(torch.bfloat16)
    assert thresholds.hundredths.tolist() == [34] * 28
    assert thresholds(probabilities)[:, 0].tolist() == [True, False]


def test_fit_on_no_rows_changes_nothing() -> None:
    thresholds = DecisionThresholds(28)
    thresholds.fit(torch.zeros(0, 28), torch.zeros(0, 28))
    assert thresholds.fitted_rows.item() == 0
    assert thresholds.value.tolist() == [0.5] * 28


def test_state_dict_round_trip() -> None:
    fitted = DecisionThresholds(28)
    fitted.fit(torch.rand(10, 28, generator=torch.Generator().manual_seed(0)), torch.eye(10, 28))
    restored = DecisionThresholds(28)
    restored.load_state_dict(fitted.state_dict())
    for name, value in fitted.state_dict().items():
        assert torch.equal(restored.state_dict()[name], value), name


def test_owned_by_the_emotion_readout_and_switched_with_calibration() -> None:
    net = build_net()
    assert isinstance(net.readouts["emotion"].thresholds, DecisionThresholds)
    assert "readouts.emotion.thresholds.hundredths" in dict(net.named_buffers())
    config = tiny_config()
    config["aux"]["calibration"]["enabled"] = False
    assert build_net(config).readouts["emotion"].thresholds is None
    config = tiny_config()
    config["tasks"] = ["regret"]
    assert not any("thresholds" in name for name, _ in build_net(config).named_buffers())
