"""The two modes of benchmarks/gpu.py: the GPU benchmark and its CPU smoke run (``--tiny``).

Everything that differs between them is a field of :class:`Mode`; the code they run is
the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common import ROOT
from gpu_encoders import BASE_MEMBERS, TINY_MEMBERS, EncoderShape

# Each ablation flips one switch of the main run (trainer=8gb).
ABLATIONS: dict[str, list[str]] = {
    "no_checkpointing": ["memory.gradient_checkpointing=false"],
    "fp32": ["precision=fp32"],
    "adamw_32bit": ["memory.optimizer_8bit=false"],
    "compile": ["model.compile=true"],
}
# Inductor compiles the tiny backbone in ~80 s on the 2-core CI machine (measured while
# writing this script), more than the whole rest of the tiny run; --ablations compile
# runs it anyway.
TINY_SKIPS = {
    "compile": "torch.compile on CPU takes ~80 s on 2 cores; name it in --ablations to run it"
}


@dataclass(frozen=True)
class Mode:
    """What differs between the GPU benchmark and the CPU smoke run."""

    name: str
    base: tuple[str, ...]
    warmup: int
    steps: int
    members: tuple[tuple[str, str, EncoderShape], ...]
    serve_device: str
    serve_precision: str
    serve_texts: int
    serve_rounds: int
    out: Path
    skips: dict[str, str]


GPU = Mode(
    "gpu", ("experiment=full_330m", "trainer=8gb"), warmup=5, steps=20, members=BASE_MEMBERS,
    serve_device="cuda", serve_precision="bf16", serve_texts=200, serve_rounds=20,
    out=ROOT / "docs" / "bench" / "gpu.json", skips={},
)  # fmt: skip
TINY = Mode(
    "cpu_tiny", ("experiment=tiny", "trainer=8gb", "trainer.accelerator=cpu"), warmup=1,
    steps=3, members=TINY_MEMBERS, serve_device="cpu", serve_precision="fp32", serve_texts=20,
    serve_rounds=3, out=ROOT / "docs" / "bench" / "gpu_cpu_tiny.json", skips=TINY_SKIPS,
)  # fmt: skip
