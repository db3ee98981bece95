"""What every benchmark script reports alike: the machine, percentiles, resident memory.

Kept free of torch and the project at import time: ``serve_load.py`` is a load generator
that shares the CPU with the server it measures, so it imports only what it must.
:func:`machine` imports torch when it is called, after the measurements.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores, torch and its threads, GPU, commit."""
    import torch

    return {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "commit": _commit(),
    }


def _cpu_name() -> str:
    """The model name from /proc/cpuinfo; off Linux, what ``platform`` knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _commit() -> str | None:
    """The checkout's short commit, so a committed figure names the code that made it."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between ranks.

    The same as ``numpy.percentile``'s default; written out so that the load generator
    needs no numpy.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rss_mib() -> float:
    """Resident memory of this process now (``VmRSS``); it falls when memory is freed."""
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (``VmHWM``).

    The kernel reports the larger of the peak it recorded and the current ``VmRSS``, so
    a peak read after :func:`rss_mib` is not below it unless memory was freed between
    the two. ``getrusage``'s ``ru_maxrss`` is the recorded peak alone, kept with
    approximate counters: it was seen 0.15 MiB below a ``VmRSS`` read just before it.
    """
    return _status_mib("VmHWM")


def _status_mib(field: str) -> float:
    """A memory line of ``/proc/self/status`` (which reports KiB), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field} line; the benchmarks need Linux")
