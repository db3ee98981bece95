"""MixtureReader: sources concatenated with their own labels, and per-source sampling."""

from __future__ import annotations

from collections import Counter

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf
from tests.helpers import collate

from redheart_lit.data.readers import MixtureReader, WeightedReader
from redheart_lit.data.readers.mixture import source_probabilities
from redheart_lit.data.sampler import WeightedEpochSampler
from redheart_lit.data.schema import Record


class ListReader:
    """``n`` records per split, ids ``<name>/<split>:<i>``, each with ``labels``."""

    def __init__(self, name: str, n: int, **labels: float) -> None:
        self.name, self.n, self.labels = name, n, labels

    def read(self, split: str) -> list[Record]:
        return [
            Record(f"{self.name}/{split}:{i}", f"{self.name} {i}", "en", labels=dict(self.labels))
            for i in range(self.n)
        ]


SIZES = {"big": 900, "small": 100}


def _mixture(**kwargs: object) -> MixtureReader:
    return MixtureReader(
        readers={"big": ListReader("big", 900, regret=0.5), "small": ListReader("small", 100, acceptability=1)},
        splits={"train": {"big": "train", "small": "train"}, "val": {"small": "dev"}},
        **kwargs,
    )  # fmt: skip


def _source_shares(reader: MixtureReader, epoch: int = 0, seed: int = 0) -> dict[str, float]:
    weighted = reader.read_weighted("train")
    sampler = WeightedEpochSampler(weighted.weights, weighted.epoch_size, seed)
    sampler.set_epoch(epoch)
    counts = Counter(weighted.records[i].id.split("/")[0] for i in sampler)
    return {name: counts[name] / len(sampler) for name in SIZES}


def test_records_keep_only_their_sources_labels() -> None:
    reader = _mixture()
    assert isinstance(reader, WeightedReader)
    records = reader.read("train")
    assert [r.id for r in records[:1] + records[-1:]] == ["big/train:0", "small/train:99"]
    batch = collate([records[0], records[-1]])
    assert batch.label_mask["regret"].tolist() == [True, False]
    assert batch.label_mask["acceptability"].tolist() == [False, True]
    assert not batch.label_mask["emotion"].any()
    # A source left out of a split contributes nothing to it.
    assert {r.id.split("/")[0] for r in reader.read("val")} == {"small"}


def test_source_probabilities() -> None:
    assert source_probabilities(SIZES, "proportional", 5.0) == pytest.approx(
        {"big": 0.9, "small": 0.1}
    )
    # T = 2: p ∝ sqrt(n) = 30 : 10.
    assert source_probabilities(SIZES, "temperature", 2.0) == pytest.approx(
        {"big": 0.75, "small": 0.25}
    )
    assert source_probabilities(SIZES, "temperature", 1.0) == pytest.approx(
        {"big": 0.9, "small": 0.1}
    )
    with pytest.raises(ValueError, match="sampling='uniform'"):
        source_probabilities(SIZES, "uniform", 1.0)


def test_weights_spread_each_sources_probability_over_its_records() -> None:
    weighted = _mixture(sampling="temperature", temperature=2.0, epoch_size=500).read_weighted(
        "train"
    )
    assert weighted.epoch_size == 500
    assert weighted.weights[:900] == pytest.approx([0.75 / 900] * 900)
    assert weighted.weights[900:] == pytest.approx([0.25 / 100] * 100)
    assert _mixture().read_weighted("train").epoch_size == 1000  # default: one per record


@pytest.mark.parametrize(
    ("sampling", "expected"),
    [("proportional", {"big": 0.9, "small": 0.1}), ("temperature", {"big": 0.75, "small": 0.25})],
)
def test_sampled_source_shares_match(sampling: str, expected: dict[str, float]) -> None:
    reader = _mixture(sampling=sampling, temperature=2.0, epoch_size=20_000)
    shares = _source_shares(reader)
    # 20,000 draws: the standard error of a share is below 0.0035; allow ~4 of them.
    assert shares == pytest.approx(expected, abs=0.015)


def test_bad_configuration_fails_on_construction() -> None:
    readers = {"a": ListReader("a", 3)}
    with pytest.raises(ValueError, match=r"splits.train names unknown source\(s\) \['b'\]"):
        MixtureReader(readers, {"train": {"b": "train"}})
    with pytest.raises(ValueError, match="temperature must be > 0"):
        MixtureReader(readers, {"train": {"a": "train"}}, sampling="temperature", temperature=0)
    with pytest.raises(ValueError, match="sampling='uniform'"):
        MixtureReader(readers, {"train": {"a": "train"}}, sampling="uniform")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="epoch_size must be >= 1"):
        MixtureReader(readers, {"train": {"a": "train"}}, epoch_size=0)
    with pytest.raises(ValueError, match=r"no split 'test'; known: \['train'\]"):
        MixtureReader(readers, {"train": {"a": "train"}}).read("test")


def test_hydra_builds_a_mixture_of_named_readers(tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "Hi.", "lang": "en"}\n')
    node = OmegaConf.create({
        "_target_": "redheart_lit.data.readers.MixtureReader",
        "readers": {"one": {"_target_": "redheart_lit.data.readers.JsonlReader", "root": str(tmp_path)}},
        "splits": {"train": {"one": "a.jsonl"}},
        "sampling": "temperature", "temperature": 2.0, "epoch_size": 7,
    })  # fmt: skip
    reader = instantiate(node)
    weighted = reader.read_weighted("train")
    assert [r.id for r in weighted.records] == ["x"]
    assert (weighted.weights, weighted.epoch_size) == ([1.0], 7)


def test_a_null_part_leaves_its_source_out_of_that_split() -> None:
    readers = {"a": ListReader("a", 3), "b": ListReader("b", 2)}
    reader = MixtureReader(readers, {"train": {"a": "train", "b": None}, "val": {"b": "val"}})
    assert {r.id.split("/")[0] for r in reader.read("train")} == {"a"}
    with pytest.raises(ValueError, match=r"splits\.test lists no source"):
        MixtureReader(readers, {"test": {"a": None}})
