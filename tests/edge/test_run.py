"""The edge runner needs only onnxruntime, tokenizers and numpy: proven in a subprocess
where importing torch, Lightning or transformers raises."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from tests.conftest import PROJECT_ROOT

from redheart_lit.inference import ProductionConfig, ProductionOrchestrator

TEXTS = ["I lied to my friend and I regret it.", "What a day! Thanks."]

# Installed first on sys.meta_path: any import of these packages fails loudly.
BLOCKER = """
import sys
BLOCKED = ("torch", "lightning", "pytorch_lightning", "transformers", "hydra", "torchmetrics")

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"edge test: {name} must not be imported")
        return None

sys.meta_path.insert(0, Blocker())
import json
from redheart_lit.edge.run import analyse
from redheart_lit.edge.session import load_onnx_bundle
results = analyse(load_onnx_bundle(sys.argv[1]), json.loads(sys.argv[2]))
assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
print(json.dumps(results))
"""


def run_blocked(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, *args], capture_output=True, text=True, env=env,
        timeout=120, cwd=PROJECT_ROOT,
    )  # fmt: skip


def test_a_bundle_runs_without_torch_lightning_or_transformers(tiny_onnx_bundles) -> None:
    folder = tiny_onnx_bundles["none"]
    done = run_blocked(str(folder), json.dumps(TEXTS))
    assert done.returncode == 0, done.stderr
    edge = json.loads(done.stdout)
    server = ProductionOrchestrator(
        ProductionConfig(model_dir=str(folder), runtime="onnxruntime", cache_size=0)
    ).analyze_batch(TEXTS)
    for mine, theirs in zip(edge, server, strict=True):
        assert mine["model_version"] == theirs["model_version"]
        assert mine["emotion_labels"] == theirs["analysis"]["emotion"]["labels"]
        probabilities = list(theirs["analysis"]["emotion"]["probabilities"].values())
        np.testing.assert_allclose(mine["outputs"]["emotion.emotion"], probabilities, atol=1e-6)
        assert mine["outputs"]["regret.regret"] == theirs["analysis"]["regret"]["probability"] or (
            abs(mine["outputs"]["regret.regret"] - theirs["analysis"]["regret"]["probability"])
            < 1e-6
        )


def test_the_blocker_really_blocks(tiny_bundle) -> None:
    """The torch bundle loader imports torch: under the blocker it must fail."""
    code = BLOCKER.split("import json")[0] + "import redheart_lit.inference\n"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    assert "must not be imported" in done.stderr
