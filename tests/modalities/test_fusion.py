"""Late fusion: weighted means, absent modalities, agreement and the confidence formula."""

from __future__ import annotations

import numpy as np
import pytest

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.modalities.base import AffectEstimate, ekman_estimate
from redheart_lit.modalities.fusion import FusionConfig, fuse, fused_confidence

EVEN = FusionConfig(confidence_weighted=False)


def joy() -> AffectEstimate:
    return ekman_estimate(np.eye(7)[EKMAN_LABELS.index("joy")])


def sadness() -> AffectEstimate:
    return ekman_estimate(np.eye(7)[EKMAN_LABELS.index("sadness")])


def test_one_modality_is_itself_with_no_agreement() -> None:
    fused = fuse({"image": joy()}, EVEN)
    assert fused["valence"] == pytest.approx(0.81)
    assert fused["agreement"] is None
    assert fused["ekman"]["joy"] == pytest.approx(1.0)


def test_weighted_means_and_missing_valence() -> None:
    heart = AffectEstimate(valence=None, arousal=-1.0, confidence=0.5)
    config = FusionConfig(
        weights={"text": 1.0, "image": 3.0, "audio": 1.0, "biosignals": 1.0},
        confidence_weighted=False,
    )
    fused = fuse({"image": joy(), "biosignals": heart}, config)
    assert fused["valence"] == pytest.approx(0.81)  # only the image gives valence
    assert fused["arousal"] == pytest.approx((3 * 0.51 - 1.0) / 4)
    assert set(fused["weights"]) == {"image", "biosignals"}  # absent ones stay absent


def test_confidence_weighting() -> None:
    sure = AffectEstimate(valence=1.0, arousal=1.0, confidence=0.9)
    unsure = AffectEstimate(valence=-1.0, arousal=-1.0, confidence=0.1)
    fused = fuse({"image": sure, "audio": unsure}, FusionConfig())
    assert fused["valence"] == pytest.approx(0.8)
    assert fuse({"image": sure, "audio": unsure}, EVEN)["valence"] == pytest.approx(0.0)


def test_agreement_falls_with_disagreement() -> None:
    same = fuse({"text": joy(), "image": joy()}, EVEN)["agreement"]
    opposite = fuse({"text": joy(), "image": sadness()}, EVEN)["agreement"]
    assert same == pytest.approx(1.0)
    assert 0.0 <= opposite < 0.5
    extremes = {
        "text": AffectEstimate(valence=1.0, arousal=1.0, confidence=1.0),
        "image": AffectEstimate(valence=-1.0, arousal=-1.0, confidence=1.0),
    }
    assert fuse(extremes, EVEN)["agreement"] == pytest.approx(0.0)


def test_integrated_confidence_formula() -> None:
    assert fused_confidence(0.8, None) == 0.8
    assert fused_confidence(0.8, 1.0) == pytest.approx(0.8)
    assert fused_confidence(0.8, 0.0) == pytest.approx(0.4)


def test_bad_config_and_estimates_fail() -> None:
    with pytest.raises(ValueError, match="exactly the keys"):
        FusionConfig(weights={"text": 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        FusionConfig(weights={"text": -1.0, "image": 1.0, "audio": 1.0, "biosignals": 1.0})
    with pytest.raises(ValueError, match="valence"):
        AffectEstimate(valence=1.5, arousal=0.0, confidence=0.5)
    with pytest.raises(ValueError, match="unknown modalities"):
        fuse({"smell": joy()}, EVEN)
