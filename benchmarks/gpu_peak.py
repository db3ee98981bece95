"""The card's dense bf16 peak, and MFU against it (benchmarks/gpu.py).

MFU divides the model FLOP/s a run achieved by what the card can do at most; the peak
comes from NVIDIA's datasheets, looked up by the device name, or from ``--peak-tflops``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Peak:
    """A card's dense bf16 tensor-core peak and where the number comes from."""

    card: str
    flops: float  # FLOP/s
    source: str


# Matched against torch.cuda.get_device_name(); exactly one pattern must match. Dense =
# NVIDIA's datasheet figure "with sparsity" halved. Anchored so that an L40S is not an L4
# and an H200 NVL (a lower peak) is not an H200.
PEAK_BF16_DENSE: tuple[tuple[str, Peak], ...] = (
    (r"\bH100 PCIe\b", Peak("H100 PCIe", 756.5e12, "datasheet 1,513 TFLOPS sparse / 2")),
    (r"\bH100 NVL\b", Peak("H100 NVL", 835.5e12, "datasheet 1,671 TFLOPS sparse / 2")),
    (r"\bH100\b.*\b(SXM\d?|HBM3)\b", Peak("H100 SXM", 989.4e12, "datasheet 1,979 TFLOPS sparse / 2")),
    (r"\bH200\b(?!\s*NVL)", Peak("H200", 989.4e12, "datasheet 1,979 TFLOPS sparse / 2")),
    (r"\bA100\b", Peak("A100", 312e12, "datasheet 312 TFLOPS dense")),
    (r"\bL4$", Peak("L4", 121e12, "datasheet 242 TFLOPS sparse / 2")),
    (r"\bRTX 4090$", Peak("RTX 4090", 165.2e12, "Ada whitepaper 165.2 TFLOPS dense, fp32 accumulate")),
)  # fmt: skip


def peak_bf16(device_name: str, override_tflops: float | None = None) -> Peak:
    """The dense bf16 peak of ``device_name``; ``override_tflops`` (``--peak-tflops``) wins.

    An unknown card, a MIG slice or a name that matches two entries is an error: an MFU
    against a guessed peak would look like a measurement.
    """
    if override_tflops is not None:
        if override_tflops <= 0:
            raise ValueError(f"--peak-tflops must be > 0, got {override_tflops}")
        return Peak(device_name, override_tflops * 1e12, "--peak-tflops")
    if "MIG" in device_name:
        raise ValueError(
            f"{device_name!r} is a MIG slice, which has a fraction of the card's peak; "
            "pass --peak-tflops"
        )
    found = [peak for pattern, peak in PEAK_BF16_DENSE if re.search(pattern, device_name)]
    if len(found) != 1:
        known = ", ".join(peak.card for _, peak in PEAK_BF16_DENSE)
        what = "no" if not found else f"{len(found)} ({', '.join(p.card for p in found)})"
        raise ValueError(
            f"GPU {device_name!r} matches {what} entries of the bf16 peak table "
            f"(PEAK_BF16_DENSE in benchmarks/gpu_peak.py: {known}); pass --peak-tflops"
        )
    return found[0]


def mfu(flops_per_sample: float, samples_per_s: float, peak_flops: float) -> float:
    """Model FLOPs utilisation: achieved model FLOP/s over the card's peak FLOP/s."""
    return flops_per_sample * samples_per_s / peak_flops
