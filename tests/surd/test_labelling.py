"""SURD targets from a first-pass model: files, exact shares per part, the constant baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from redheart_lit.data.readers import JsonlReader
from redheart_lit.surd.decomposition import shares, surd
from redheart_lit.surd.labelling import LabelArgs, apply_edges, bin_edges, label
from redheart_lit.surd.targets import shares_of_states


def _ethics_root(tmp_path: Path) -> Path:
    folder = tmp_path / "ethics" / "commonsense"
    folder.mkdir(parents=True)
    acts = ["helped", "hit", "thanked", "ignored", "fed", "robbed", "hugged", "mocked"]
    rows = [f"{int(i % 2)},I {acts[i % 8]} my neighbour number {i}.,True,False" for i in range(160)]
    (folder / "cm_test.csv").write_text("label,input,is_short,edited\n" + "\n".join(rows) + "\n")
    return tmp_path / "ethics"


def test_edges_are_fitted_once_and_applied_to_every_part() -> None:
    train = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    edges = bin_edges(train, 3)
    np.testing.assert_allclose(edges, [[5 / 3, 10 / 3]])
    assert apply_edges(np.array([[-9.0], [2.0], [99.0]]), edges).ravel().tolist() == [0, 1, 2]


def test_label_writes_parts_whose_shares_are_the_exact_decomposition(tiny_bundle, tmp_path) -> None:
    ckpt = json.loads((tiny_bundle / "config.json").read_text())["source_checkpoint"]
    args = LabelArgs(
        emotion_ckpt=ckpt, ethics_ckpt=ckpt, out=str(tmp_path / "out"),
        data_root=str(_ethics_root(tmp_path)), cache_dir=str(tmp_path / "cache"), batch_size=64,
    )  # fmt: skip
    recipe = label(args)
    parts = {}
    for name in ("train", "val", "test"):
        rows = [json.loads(line) for line in (tmp_path / "out" / f"{name}.jsonl").open()]
        assert len(rows) == recipe[f"{name}_rows"] > 0
        parts[name] = rows
        for row in rows:
            assert sum(row["labels"]["surd"].values()) == pytest.approx(1.0, abs=1e-9)
    assert sum(len(p) for p in parts.values()) == 160
    # The files are valid training data (the validator wants integer acceptability).
    assert len(JsonlReader(str(tmp_path / "out")).read("train.jsonl")) == len(parts["train"])
    # The constant baseline predicts the train part's mean shares; its MAE is by hand here.
    train = np.array([list(r["labels"]["surd"].values()) for r in parts["train"]])
    test = np.array([list(r["labels"]["surd"].values()) for r in parts["test"]])
    constant = train.mean(0)
    assert recipe["constant_baseline"]["test_mae"] == pytest.approx(
        np.abs(test - constant).mean(), abs=1e-5
    )
    # Shares at state t, weighted by p(t), add up to the part's global decomposition.
    target = np.array([r["labels"]["acceptability"] for r in parts["test"]])
    weighted = sum(test[target == t][0] * (target == t).mean() * -np.log2((target == t).mean())
                   for t in (0, 1))  # fmt: skip
    entropy = -sum(p * np.log2(p) for p in ((target == 0).mean(), (target == 1).mean()))
    global_shares = np.array(list(recipe["test_global_shares"].values()))
    np.testing.assert_allclose(weighted / entropy, global_shares, atol=1e-5)


def test_shares_of_states_match_the_histogram_decomposition() -> None:
    rng = np.random.default_rng(0)
    states = rng.integers(0, 3, size=(400, 2))
    target = (states[:, 0] + (rng.random(400) < 0.2)) % 2
    per_sample = shares_of_states(target, states, 3)
    joint = np.zeros((2, 3, 3))
    np.add.at(joint, (target, *states.T), 1)
    # Averaging each sample's state shares, weighted by its surprisal -log2 p(t), gives back
    # the global decomposition: the state-resolved shares split it exactly.
    p_t = np.bincount(target) / len(target)
    surprisal = -np.log2(p_t[target])
    entropy = -(p_t * np.log2(p_t)).sum()
    recombined = (per_sample * surprisal[:, None]).mean(0) / entropy
    np.testing.assert_allclose(recombined, shares(surd(joint)), atol=1e-9)
    assert per_sample.shape == (400, 4)
