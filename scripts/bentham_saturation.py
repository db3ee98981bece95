"""How saturated a checkpoint's Bentham factors are on ETHICS utilitarianism pairs.

    python scripts/bentham_saturation.py CKPT [ROWS]

The utility is ``sum_k w_k * sigmoid(z_k)``: when the factor logits ``z`` grow large, the
sigmoids sit at 0 or 1, every text gets nearly the same utility and the Bradley-Terry
gradient through them vanishes (docs/results.md, "Why multitask emotion fell behind").
This prints, over the first ROWS (default 256) pairs of the validation part
(``train[0.9:1]`` of util_train.csv, read through the checkpoint's own encoder config and
``paths.cache_dir``): the share of factors within 1e-3 of 0 or 1, the spread of the
utilities, and the mean |u_text - u_counterfactual|. A model whose factors work has a
utility spread of the order of its utility weights; a saturated one, of 1e-4.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch
from omegaconf import OmegaConf

from redheart_lit.cli.compose import compose_run
from redheart_lit.evaluation.run import datamodule_for, read_split
from redheart_lit.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]


def main(ckpt: str, rows: int) -> None:
    module = load_checkpoint(ckpt).eval()
    with tempfile.TemporaryDirectory() as run_dir:
        cfg = compose_run(["data=ethics_util"], Path(run_dir), ROOT, config_name="eval")
    data = OmegaConf.to_container(cfg.data, resolve=True)
    data.pop("split")
    datamodule = datamodule_for(module, data)
    records, _ = read_split(datamodule, "val")
    batch = datamodule.collate(records[:rows])
    with torch.no_grad():
        out = module(batch)["bentham"]
    factors = out.factors
    saturated = ((factors < 1e-3) | (factors > 1 - 1e-3)).float().mean().item()
    diff = (out.utility[batch.cf_index] - out.cf_utility).abs().mean().item()
    weights = module.readouts()["bentham"].utility_weights.detach()
    print(f"pairs: {len(batch.cf_index)}")
    print(f"factors within 1e-3 of 0 or 1: {saturated:.3f}")
    print(f"factor mean: {factors.mean().item():.3f}")
    print(f"utility std: {out.utility.std().item():.3g}")
    print(f"mean |u_text - u_cf|: {diff:.3g}")
    print(f"|utility weights| mean: {weights.abs().mean().item():.3f}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 256)
