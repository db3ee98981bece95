"""Run metadata for the dashboards: resolved config, parameter table, peak memory, git commit."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from rich.console import Console
from torch import nn

from redheart_lit.tasks.sizes import param_table, render


@dataclass(frozen=True)
class GitState:
    """``commit`` is None outside a git checkout; ``problem`` then says why."""

    commit: str | None
    dirty: bool
    problem: str | None = None

    def describe(self) -> str:
        if self.commit is None:
            return f"unknown ({self.problem})"
        return self.commit + (" (with uncommitted changes)" if self.dirty else "")


def git_state(root: Path) -> GitState:
    """The commit checked out at ``root`` and whether the work tree has uncommitted changes.

    A run from an installed package outside any checkout is legitimate, so that is
    recorded (with git's own message) rather than raised.
    """
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10)  # fmt: skip
    except FileNotFoundError:
        return GitState(None, False, "git is not installed")
    if head.returncode != 0:
        return GitState(None, False, head.stderr.strip() or f"{root} is not a git checkout")
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                            capture_output=True, text=True, timeout=10)  # fmt: skip
    return GitState(head.stdout.strip(), bool(status.stdout.strip()))


def peak_memory_mb(device: torch.device) -> tuple[float, str]:
    """Peak memory of this process so far and what it measures.

    On CUDA the peak of tensors allocated on ``device`` (``torch.cuda.max_memory_allocated``);
    on CPU the peak resident set size of the process (``ru_maxrss``: KiB on Linux, bytes
    on macOS).
    """
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, f"peak CUDA allocated on {device}"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return rss * scale / 2**20, "peak resident set size of the process"


def parameter_text(model: nn.Module) -> tuple[list[list[object]], str]:
    """The ``params`` CLI's table of ``model``: its rows and its rendered text."""
    rows = param_table(model)
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(render(rows, title="Parameters"))
    return [[row.name, row.count] for row in rows], console.export_text()
