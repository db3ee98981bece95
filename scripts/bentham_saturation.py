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
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate

from redheart_lit.training.checkpoint import load_checkpoint

CONF = Path(__file__).resolve().parents[1] / "conf"


def main(ckpt: str, rows: int) -> None:
    module = load_checkpoint(ckpt).eval()
    encoder = module.hparams["config"]["encoder"]
    with initialize_config_dir(str(CONF), version_base=None):
        cfg = compose(
            "train",
            overrides=["data=ethics_util", f"data.eval_batch_size={rows}"],
            return_hydra_config=True,
        )
        HydraConfig.instance().set_config(cfg)
    cfg.data.encoder = encoder
    data = instantiate(cfg.data)
    data.setup("validate")
    batch = next(iter(data.val_dataloader()))
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
