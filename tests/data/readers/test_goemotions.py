"""GoEmotionsReader: TSV rows and Hugging Face datasets -> emotion-only records."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.data.fake_data import write_goemotions, write_lines
from tests.helpers import emotion_multi_hot

from redheart_lit.data.readers import GoEmotionsReader
from redheart_lit.data.schema import DataError, Record
from redheart_lit.tasks.spec import EMOTION_LABELS

ROWS = ['I "love" this!\t18,15\tc1', "Whatever.\t27"]


def test_rows_become_emotion_records(tmp_path: Path) -> None:
    folder = write_goemotions(tmp_path / "en", {"train": ROWS})
    records = GoEmotionsReader(folder, lang="en").read("train")
    assert records == [
        Record("goemotions-en/train:1", 'I "love" this!', "en", labels={"emotion": emotion_multi_hot(15, 18)}),
        Record("goemotions-en/train:2", "Whatever.", "en", labels={"emotion": emotion_multi_hot(27)}),
    ]  # fmt: skip


def test_lang_is_given_to_every_record(tmp_path: Path) -> None:
    folder = write_goemotions(tmp_path / "ko", {"dev": ["정말 고마워요.\t15"]})
    (record,) = GoEmotionsReader(folder, lang="ko").read("dev")
    assert (record.id, record.lang, record.text) == ("goemotions-ko/dev:1", "ko", "정말 고마워요.")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Hi\t28", "labels.emotion: unknown label id(s) [28]; ids are 0..27"),
        ("Hi\t3,x", "labels.emotion: expected comma-separated integer ids, got '3,x'"),
        ("Hi\t3,3", "labels.emotion: duplicate label ids in [3, 3]"),
        ("\t3", "text: must be a non-empty string"),
        ("Hi", "row: expected 2 to 3 fields (text, labels, comment_id), got 1"),
    ],
    ids=["unknown id", "not an id", "duplicate id", "empty text", "no labels"],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, line: str, expected: str) -> None:
    folder = write_goemotions(tmp_path, {"train": ["Fine.\t1", line]})
    with pytest.raises(DataError) as err:
        GoEmotionsReader(folder).read("train")
    assert f"{folder / 'train.tsv'}:2: {expected}" in str(err.value)


def test_label_names_must_match_the_task_table(tmp_path: Path) -> None:
    swapped = list(EMOTION_LABELS)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    folder = write_goemotions(tmp_path, {"train": ROWS}, names=swapped)
    with pytest.raises(DataError, match="id 2 is 'annoyance', expected 'anger'") as err:
        GoEmotionsReader(folder).read("train")
    assert str(folder / "labels.txt") in str(err.value)
    write_lines(folder / "labels.txt", EMOTION_LABELS[:27])
    with pytest.raises(DataError, match="id 27 is '\\(nothing\\)', expected 'neutral'"):
        GoEmotionsReader(folder).read("train")


def test_missing_split_file_names_the_path(tmp_path: Path) -> None:
    folder = write_goemotions(tmp_path, {"train": ROWS})
    with pytest.raises(FileNotFoundError) as err:
        GoEmotionsReader(folder).read("test")
    assert str(err.value).startswith(f"{folder / 'test.tsv'}: no such file; expected GoEmotions")


def test_missing_folder_and_labels_file_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder; expected a GoEmotions folder"):
        GoEmotionsReader(tmp_path / "absent").read("train")
    write_lines(tmp_path / "train.tsv", ROWS)
    with pytest.raises(FileNotFoundError, match=r"labels.txt: no such file"):
        GoEmotionsReader(tmp_path).read("train")


def test_unknown_split_and_options_fail_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no split 'val'; splits are \['train', 'dev', 'test'\]"):
        GoEmotionsReader(tmp_path).read("val")
    with pytest.raises(ValueError, match="source='csv'"):
        GoEmotionsReader(tmp_path, source="csv")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hf_config is only used with source='hf'"):
        GoEmotionsReader(tmp_path, hf_config="simplified")


# --- Hugging Face datasets, offline: a local folder laid out like the Hub repository ----


def _hub_folder(root: Path, names: list[str] | None) -> Path:
    """``simplified/{train,validation}`` parquet files plus the README that names the
    config, as in google-research-datasets/go_emotions; ``names=None`` stores plain ints."""
    from datasets import ClassLabel, Dataset, Features, Sequence, Value

    labels = Sequence(ClassLabel(names=names)) if names else Sequence(Value("int64"))
    features = Features({"text": Value("string"), "labels": labels, "id": Value("string")})
    splits = {
        "train": {"text": ["So happy!", "Ugh."], "labels": [[17], [3, 2]], "id": ["a", "b"]},
        "validation": {"text": ["Thanks", ""], "labels": [[15], [27]], "id": ["c", "d"]},
    }
    for split, columns in splits.items():
        table = Dataset.from_dict(columns, features=features)
        table.to_parquet(str(root / "simplified" / f"{split}-00000-of-00001.parquet"))
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: simplified\n  data_files:\n"
        "  - split: train\n    path: simplified/train-*\n"
        "  - split: validation\n    path: simplified/validation-*\n---\n"
    )
    return root


@pytest.fixture
def offline_hf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No network, and a dataset cache inside the test's folder."""
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache")
    return tmp_path


def test_hf_dataset_maps_text_and_labels(offline_hf: Path) -> None:
    repo = _hub_folder(offline_hf / "go_emotions", list(EMOTION_LABELS))
    reader = GoEmotionsReader(repo, lang="en", source="hf", hf_config="simplified")
    assert reader.read("train") == [
        Record("goemotions-en/train:0", "So happy!", "en", labels={"emotion": emotion_multi_hot(17)}),
        Record("goemotions-en/train:1", "Ugh.", "en", labels={"emotion": emotion_multi_hot(2, 3)}),
    ]  # fmt: skip
    # "dev" reads the Hub's "validation" split; its empty text is reported by row index.
    with pytest.raises(DataError) as err:
        reader.read("dev")
    assert f"{repo}[validation]:1: text: must be a non-empty string" in str(err.value)


def test_hf_dataset_label_names_are_checked(offline_hf: Path) -> None:
    wrong = _hub_folder(offline_hf / "wrong", ["wonder", *EMOTION_LABELS[1:]])
    with pytest.raises(DataError, match="id 0 is 'wonder', expected 'admiration'"):
        GoEmotionsReader(wrong, source="hf", hf_config="simplified").read("train")
    unnamed = _hub_folder(offline_hf / "unnamed", None)
    with pytest.raises(DataError, match="carries no class names"):
        GoEmotionsReader(unnamed, source="hf", hf_config="simplified").read("train")


# --- the real files in ../shared/data (skipped where they are absent) --------------------


@pytest.mark.shared_data
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_real_goemotions(shared_data: Path, lang: str) -> None:
    reader = GoEmotionsReader(shared_data / "goemotions" / lang, lang=lang)
    counts = {}
    for split in ("train", "dev"):
        records = reader.read(split)
        counts[split] = len(records)
        # Every id in range and at least one per row (the schema checked it; multi-hot here).
        assert all(
            len(r.labels["emotion"]) == 28 and sum(r.labels["emotion"]) >= 1 for r in records
        )
        assert {r.lang for r in records} == {lang}
    assert counts == {"train": 43_410, "dev": 5_426}
    with pytest.raises(FileNotFoundError, match=r"test.tsv: no such file"):
        reader.read("test")
