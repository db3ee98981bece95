"""SURD targets for real data, from a first-pass model: the recipe the SURD head trains on.

::

    python -m redheart_lit.cli.label_surd emotion_ckpt=GOEMOTIONS.ckpt ethics_ckpt=ETHICS_UTIL.ckpt \\
        out=data_surd/cm

Recipe (``docs/surd.md`` explains the choices):

* **Target** ``T``: the human acceptability label of ETHICS commonsense (0/1).
* **Agents**, predicted by first-pass models that never saw commonsense data:
  *valence* -- the probability-weighted GoEmotions valence of the emotion model's
  calibrated probabilities (``integrated.overall_sentiment``); *utility* -- the ETHICS
  utilitarianism model's hedonic utility; *regret* -- its calibrated regret probability.
* **Bins**: three equal-frequency bins per agent, edges fitted on the training part and
  applied unchanged to the other parts.
* **Shares**: for each part separately, the joint histogram ``[T, valence, utility,
  regret]`` of that part is decomposed exactly (:mod:`redheart_lit.surd.decomposition`), and each
  sample gets the state-resolved shares of its own target state, summing to 1.
* **Parts** of ``cm_test.csv`` (the only labelled commonsense file here), fixed by text
  hash: train ``[0, 0.8)``, val ``[0.8, 0.9)``, test ``[0.9, 1)``. The test part is held
  out: its exact SURD comes from its own labels, which no training step reads.

Writes ``train.jsonl``, ``val.jsonl``, ``test.jsonl`` (``labels``: ``acceptability``,
``surd``) and ``recipe.json`` (edges, checkpoints, each part's global decomposition and the
constant-prediction baseline's MAE on every part).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from redheart_lit.data.collate import Collator
from redheart_lit.data.inputs import text_encoder
from redheart_lit.data.readers import EthicsReader, PartReader
from redheart_lit.data.schema import Record
from redheart_lit.inference.integrate import overall_sentiment
from redheart_lit.surd.decomposition import SHARE_NAMES, shares, surd
from redheart_lit.surd.targets import quantile_edges, round_shares, shares_of_states
from redheart_lit.training.checkpoint import load_checkpoint, to_net

PARTS = {"train": "test[0:0.8]", "val": "test[0.8:0.9]", "test": "test[0.9:1]"}
AGENTS = ("valence", "utility", "regret")


@dataclass
class LabelArgs:
    emotion_ckpt: str = "???"
    ethics_ckpt: str = "???"
    out: str = "???"
    data_root: str = ""
    bins: int = 3
    cache_dir: str = "logs/cache"
    batch_size: int = 256


def _default_root() -> Path:
    shared = os.environ.get("REDHEART_DATA_ROOT")
    base = Path(shared) if shared else Path(__file__).resolve().parents[3] / "shared" / "data"
    return base / "ethics"


@torch.no_grad()
def first_pass(
    ckpt: str, texts: list[str], cache_dir: str, batch_size: int
) -> dict[str, np.ndarray]:
    """Run checkpoint ``ckpt`` over ``texts``: calibrated probabilities and utility, numpy."""
    net = to_net(load_checkpoint(ckpt))
    config = net.config
    encode = text_encoder(
        dataclasses.asdict(config.tokenizer), dataclasses.asdict(config.encoder), cache_dir
    )
    warm = getattr(encode, "warm", None)
    if warm is not None:
        warm(texts)
    collate = Collator(encode)
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        records = [Record(id=str(i), text=t, lang="en") for i, t in enumerate(chunk)]
        outputs = net(collate(records))
        values = {k: v.float().numpy() for k, v in net.probabilities(outputs).items()}
        if "bentham" in outputs:
            values["utility"] = outputs["bentham"].utility.float().numpy()
        for key, value in values.items():
            parts.setdefault(key, []).append(value)
    return {k: np.concatenate(v) for k, v in parts.items()}


def agents_of(emotion: dict[str, np.ndarray], ethics: dict[str, np.ndarray]) -> np.ndarray:
    """``[N, 3]`` agents (valence, utility, regret); a missing output names its task."""
    for name, outputs, key in (
        ("emotion_ckpt", emotion, "emotion"),
        ("ethics_ckpt", ethics, "utility"),
        ("ethics_ckpt", ethics, "regret"),
    ):
        if key not in outputs:
            raise ValueError(f"{name} does not predict {key!r}; it needs that task")
    return np.stack([overall_sentiment(emotion["emotion"]), ethics["utility"], ethics["regret"]], 1)


def bin_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """``[K, bins - 1]`` inner equal-frequency edges of each agent column ``[N, K]``."""
    return np.stack([quantile_edges(values[:, k], bins) for k in range(values.shape[1])])


def apply_edges(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.stack(
        [np.searchsorted(edges[k], values[:, k], side="right") for k in range(len(edges))], 1
    )


def label(args: LabelArgs) -> dict:
    """Write the labelled parts and ``recipe.json`` into ``args.out``; return the recipe."""
    root = Path(args.data_root) if args.data_root else _default_root()
    reader = PartReader(EthicsReader(str(root), task="commonsense"), seed=0)
    records = {name: reader.read(split) for name, split in PARTS.items()}
    texts = [r.text for rs in records.values() for r in rs]
    emotion = first_pass(args.emotion_ckpt, texts, args.cache_dir, args.batch_size)
    ethics = first_pass(args.ethics_ckpt, texts, args.cache_dir, args.batch_size)
    agents = agents_of(emotion, ethics)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    offsets = np.cumsum([0, *(len(rs) for rs in records.values())])
    train_agents = agents[: offsets[1]]
    edges = bin_edges(train_agents, args.bins)
    recipe: dict = {
        "target": "ETHICS commonsense acceptability (human label)",
        "agents": list(AGENTS), "bins": args.bins, "edges": edges.tolist(),
        "emotion_ckpt": str(args.emotion_ckpt), "ethics_ckpt": str(args.ethics_ckpt),
        "parts": dict(PARTS), "data_root": str(root), "shares": list(SHARE_NAMES),
    }  # fmt: skip
    per_part: dict[str, np.ndarray] = {}
    for i, (name, rows) in enumerate(records.items()):
        part_agents = agents[offsets[i] : offsets[i + 1]]
        target = np.array([int(r.labels["acceptability"]) for r in rows])
        states = apply_edges(part_agents, edges)
        per_part[name] = shares_of_states(target, states, args.bins)
        joint = np.zeros((2,) + (args.bins,) * len(AGENTS))
        np.add.at(joint, (target, *states.T), 1)
        recipe[f"{name}_rows"] = len(rows)
        recipe[f"{name}_global_shares"] = dict(
            zip(SHARE_NAMES, shares(surd(joint)).round(6).tolist(), strict=True)
        )
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for record, row in zip(rows, per_part[name], strict=True):
                labels = {
                    "acceptability": int(record.labels["acceptability"]),
                    "surd": round_shares(row),
                }
                line = {"id": record.id, "text": record.text, "lang": record.lang, "labels": labels}
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    constant = per_part["train"].mean(0)
    recipe["constant_baseline"] = {
        "prediction": dict(zip(SHARE_NAMES, constant.round(6).tolist(), strict=True)),
        **{f"{name}_mae": float(np.abs(v - constant).mean()) for name, v in per_part.items()},
    }
    (out / "recipe.json").write_text(json.dumps(recipe, indent=2) + "\n")
    return recipe
