"""RecordDataModule over readers, and every real ``data=`` config wired up on fake files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hydra.utils import instantiate
from tests.conftest import PROJECT_ROOT, compose_train
from tests.data.fake_data import fake_data_root
from tests.helpers import record

from redheart_lit.data.datamodule import RecordDataModule
from redheart_lit.data.readers import JsonlReader, MixtureReader, WeightedRecords
from redheart_lit.data.sampler import EpochSeededSampler, LengthGroupedSampler, WeightedEpochSampler
from redheart_lit.data.schema import Record

SAMPLE = PROJECT_ROOT / "data" / "sample"
TOKENIZER = {"kind": "bytes", "max_length": 32}


class FakeReader:
    """Split ``name`` -> 5 records; remembers what was read."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def read(self, split: str) -> list[Record]:
        self.reads.append(split)
        return [record(f"{split}:{i}", f"text {i}", regret=0.5) for i in range(5)]


class FakeWeightedReader(FakeReader):
    def read_weighted(self, split: str) -> WeightedRecords:
        records = self.read(split)
        return WeightedRecords(records, [0.0, 0.0, 0.0, 0.0, 1.0], epoch_size=8)


def _module(reader: object, **splits: str) -> RecordDataModule:
    splits = splits or {"train": "a", "val": "b", "test": "c"}
    return RecordDataModule(reader, splits, TOKENIZER, batch_size=4, seed=1)  # type: ignore[arg-type]


def test_each_stage_reads_only_its_splits() -> None:
    reader = FakeReader()
    module = _module(reader)
    module.setup("fit")
    assert reader.reads == ["a", "b"]
    module.setup("test")
    module.setup("fit")  # read once, then kept
    assert reader.reads == ["a", "b", "c"]


def test_unweighted_training_shuffles_every_record_once() -> None:
    module = _module(FakeReader())
    module.setup("fit")
    loader = module.train_dataloader()
    assert isinstance(loader.sampler, EpochSeededSampler)
    assert sorted(i for batch in loader for i in batch.ids) == [f"a:{i}" for i in range(5)]


def test_weighted_reader_drives_the_training_sampler() -> None:
    module = _module(FakeWeightedReader())
    module.setup("fit")
    loader = module.train_dataloader()
    assert isinstance(loader.sampler, WeightedEpochSampler)
    ids = [i for batch in loader for i in batch.ids]
    assert ids == ["a:4"] * 8  # epoch_size draws, by the weights
    # Validation reads every record once, in order.
    assert [i for batch in module.val_dataloader() for i in batch.ids] == [
        f"b:{i}" for i in range(5)
    ]


class VaryingReader(FakeReader):
    """Texts of 1 to 24 bytes, shuffled: batches of a plain shuffle mix lengths."""

    def read(self, split: str) -> list[Record]:
        self.reads.append(split)
        return [record(f"{split}:{n}", "x" * n, regret=0.5) for n in (7, 1, 19, 4, 24, 12, 2, 16)]


def test_group_by_length_batches_texts_of_similar_length() -> None:
    splits = {"train": "a", "val": "b"}
    module = RecordDataModule(
        VaryingReader(), splits, TOKENIZER, batch_size=2, group_by_length=True
    )  # type: ignore[arg-type]
    module.setup("fit")
    loader = module.train_dataloader()
    assert isinstance(loader.sampler, LengthGroupedSampler)
    batches = [[int(i.split(":")[1]) for i in batch.ids] for batch in loader]
    # One group of 4 batches holds all 8 records: sorted, then cut into pairs.
    assert sorted(sorted(b) for b in batches) == [[1, 2], [4, 7], [12, 16], [19, 24]]
    # Validation is not regrouped: every record once, in order.
    assert [i for batch in module.val_dataloader() for i in batch.ids][:3] == ["b:7", "b:1", "b:19"]


def test_bad_splits_fail_on_construction() -> None:
    with pytest.raises(ValueError, match=r"unknown split\(s\) \['dev'\]"):
        _module(FakeReader(), train="a", dev="b")
    with pytest.raises(ValueError, match="needs a 'train' split"):
        _module(FakeReader(), val="b")
    with pytest.raises(ValueError, match=r"data.reader must have a read"):
        _module("not a reader")
    module = _module(FakeReader(), train="a")
    with pytest.raises(ValueError, match=r"data.splits has no 'test' split"):
        module.test_dataloader()


def test_missing_test_file_fails_only_when_tested(tmp_path: Path) -> None:
    for name in ("train.jsonl", "val.jsonl"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    splits = {"train": "train.jsonl", "val": "val.jsonl", "test": "test.jsonl"}
    module = RecordDataModule(JsonlReader(tmp_path), splits, TOKENIZER)
    module.setup("fit")
    with pytest.raises(FileNotFoundError) as err:
        module.setup("test")
    assert str(tmp_path / "test.jsonl") in str(err.value)


def test_sample_config_reads_through_a_jsonl_reader(tmp_path: Path) -> None:
    cfg = compose_train(["experiment=tiny"], tmp_path)
    module = instantiate(cfg.data)
    assert isinstance(module.reader, JsonlReader)
    assert module.reader.root == SAMPLE
    module.setup()
    assert {k: len(v) for k, v in module.records.items()} == {"train": 223, "val": 48, "test": 45}


# Every real data config, against a fake data root: (option, test flag, test split present).
REAL = [
    ("goemotions_en", False, False),
    ("goemotions_ko", False, False),
    ("ethics_util", True, True),
    ("ethics_cm", False, False),
    ("ethics_deontology", True, True),
    ("ethics_justice", True, True),
    ("ethics_virtue", True, True),
    ("multitask_real", False, False),
]


@pytest.mark.parametrize(("option", "tests", "has_test"), REAL, ids=[o for o, _, _ in REAL])
def test_real_config_reads_from_redheart_data_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, tests: bool, has_test: bool
) -> None:
    root = fake_data_root(tmp_path / "data")
    monkeypatch.setenv("REDHEART_DATA_ROOT", str(root))
    cfg = compose_train(["experiment=tiny", f"data={option}"], tmp_path / "run")
    # A test run is on by default only where the held-out test split exists here.
    assert cfg.test is tests
    module = instantiate(cfg.data)
    assert str(module.root).startswith(str(root))
    module.setup("fit")
    assert module.records["train"]
    assert module.records["val"]
    train_ids = {r.id for r in module.records["train"]}
    assert train_ids.isdisjoint(r.id for r in module.records["val"])
    next(iter(module.train_dataloader()))  # one collated batch
    if has_test:
        module.setup("test")
        assert module.records["test"]
    else:
        with pytest.raises(FileNotFoundError, match=f"{root}/.*: no such file"):
            module.setup("test")


def test_multitask_real_samples_by_temperature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDHEART_DATA_ROOT", str(fake_data_root(tmp_path / "data")))
    cfg = compose_train(["experiment=tiny", "data=multitask_real"], tmp_path / "run")
    module = instantiate(cfg.data)
    assert isinstance(module.reader, MixtureReader)
    module.setup("fit")
    assert isinstance(module.train_dataloader().sampler, WeightedEpochSampler)
    assert len(module.train_dataloader().sampler) == cfg.data.reader.epoch_size


def _fake_surd_root(folder: Path) -> Path:
    """train/val/test.jsonl as ``label_surd`` writes them: acceptability and SURD shares."""
    folder.mkdir(parents=True)
    for part in ("train", "val", "test"):
        rows = [
            {"id": f"cm-{part}-{i}", "text": f"surd {part} text {i}", "lang": "en",
             "labels": {"acceptability": i % 2, "surd": {"synergy": 0.1, "unique": 0.2,
                        "redundant": 0.1, "leak": 0.6}}}
            for i in range(8)
        ]  # fmt: skip
        (folder / f"{part}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_multitask_real_surd_trains_commonsense_through_its_surd_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDHEART_DATA_ROOT", str(fake_data_root(tmp_path / "data")))
    surd_root = _fake_surd_root(tmp_path / "surd")
    monkeypatch.setenv("REDHEART_SURD_ROOT", str(surd_root))
    cfg = compose_train(["experiment=tiny", "data=multitask_real_surd"], tmp_path / "run")
    module = instantiate(cfg.data)
    module.setup("fit")
    for split in ("train", "val"):
        ids = [r.id for r in module.records[split]]
        assert sum(i.startswith(f"cm-{split}-") for i in ids) == 8
        # ETHICS commonsense is read only through the SURD rows (same texts, same parts).
        assert not any("commonsense" in r.text for r in module.records[split])
        surd_rows = [r for r in module.records[split] if r.id.startswith("cm-")]
        assert all("surd" in r.labels and "acceptability" in r.labels for r in surd_rows)


def test_multitask_real_surd_without_the_surd_files_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDHEART_DATA_ROOT", str(fake_data_root(tmp_path / "data")))
    monkeypatch.setenv("REDHEART_SURD_ROOT", str(tmp_path / "no_surd"))
    cfg = compose_train(["experiment=tiny", "data=multitask_real_surd"], tmp_path / "run")
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}/no_surd: no such folder"):
        instantiate(cfg.data).setup("fit")


def test_default_root_is_shared_data_next_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDHEART_DATA_ROOT", raising=False)
    cfg = compose_train(["experiment=tiny", "data=goemotions_ko"], tmp_path)
    assert cfg.data.root == f"{PROJECT_ROOT}/../shared/data/goemotions/ko"
    assert cfg.data.reader.root == cfg.data.root
