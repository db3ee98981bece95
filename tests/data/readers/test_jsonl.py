"""JsonlReader: today's JSONL loading behind the reader interface, messages unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.data.fake_data import write_lines

from redheart_lit.data.readers import JsonlReader, Reader
from redheart_lit.data.schema import DataError, load_jsonl

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


def test_is_a_reader() -> None:
    assert isinstance(JsonlReader("anywhere"), Reader)


def test_split_names_are_file_names_without_a_mapping() -> None:
    assert JsonlReader(SAMPLE).read("val.jsonl") == load_jsonl(SAMPLE / "val.jsonl")


def test_files_map_split_names_to_files() -> None:
    reader = JsonlReader(SAMPLE, files={"train": "train.jsonl", "dev": "val.jsonl"})
    assert reader.read("dev") == load_jsonl(SAMPLE / "val.jsonl")
    with pytest.raises(ValueError, match=r"no split 'test'; known: \['dev', 'train'\]"):
        reader.read("test")


def test_validator_errors_are_unchanged(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", ['{"id": "a", "text": "", "lang": "en"}'])
    with pytest.raises(DataError) as direct:
        load_jsonl(path)
    with pytest.raises(DataError) as via_reader:
        JsonlReader(tmp_path).read("bad.jsonl")
    assert str(via_reader.value) == str(direct.value)
    assert f"{path}:1: text: must be a non-empty string" in str(direct.value)


def test_missing_root_and_missing_file_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="JSONL split files") as err:
        JsonlReader(missing, files={"train": "train.jsonl"}).read("train")
    assert str(missing) in str(err.value)
    shutil.copy(SAMPLE / "val.jsonl", tmp_path / "val.jsonl")
    with pytest.raises(FileNotFoundError, match="no such data file") as err:
        JsonlReader(tmp_path).read("train.jsonl")
    assert str(tmp_path / "train.jsonl") in str(err.value)
