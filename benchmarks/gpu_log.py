"""Progress lines of benchmarks/gpu.py on stderr, stamped with the seconds since it started.

The run takes minutes (hours on a GPU with every ablation); the stamps say which part
is slow while it runs, without waiting for the report.
"""

from __future__ import annotations

import sys
import time

_STARTED = time.perf_counter()


def log(message: str) -> None:
    elapsed = time.perf_counter() - _STARTED
    print(f"[bench-gpu {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)
