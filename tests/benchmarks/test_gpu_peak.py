"""benchmarks/gpu_peak.py: MFU and the card's peak, looked up by the device name."""

from __future__ import annotations

import pytest
from gpu_peak import mfu, peak_bf16


def test_mfu_is_achieved_over_peak() -> None:
    # 2 GFLOP a sample at 150 samples/s = 300 GFLOP/s, on a 1 TFLOP/s card.
    assert mfu(2e9, 150, 1e12) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("name", "card", "tflops"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM", 989.4),
        ("NVIDIA H100 PCIe", "H100 PCIe", 756.5),
        ("NVIDIA H100 NVL", "H100 NVL", 835.5),
        ("NVIDIA H200", "H200", 989.4),
        ("NVIDIA A100-SXM4-80GB", "A100", 312.0),
        ("NVIDIA A100 80GB PCIe", "A100", 312.0),
        ("NVIDIA L4", "L4", 121.0),
        ("NVIDIA GeForce RTX 4090", "RTX 4090", 165.2),
    ],
)
def test_peak_table(name: str, card: str, tflops: float) -> None:
    peak = peak_bf16(name)
    assert (peak.card, peak.flops) == (card, pytest.approx(tflops * 1e12))


@pytest.mark.parametrize(
    "name", ["NVIDIA L40S", "NVIDIA H200 NVL", "NVIDIA GeForce RTX 4090 D", "Tesla T4"]
)
def test_unknown_card_is_an_error_naming_the_flag(name: str) -> None:
    with pytest.raises(ValueError, match="--peak-tflops"):
        peak_bf16(name)


def test_mig_slice_needs_an_explicit_peak() -> None:
    with pytest.raises(ValueError, match="MIG"):
        peak_bf16("NVIDIA H100 80GB HBM3 MIG 1g.10gb")


def test_peak_tflops_overrides_the_table() -> None:
    assert peak_bf16("NVIDIA L40S", 362.05).flops == pytest.approx(362.05e12)
    assert peak_bf16("NVIDIA H100 80GB HBM3", 500).source == "--peak-tflops"
    with pytest.raises(ValueError, match="> 0"):
        peak_bf16("NVIDIA L40S", 0)
