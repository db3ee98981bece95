"""PartReader: ``split[lo:hi]`` hash parts are fixed, disjoint, covering and sized right."""

from __future__ import annotations

import pytest

from redheart_lit.data.readers import PartReader, Reader
from redheart_lit.data.readers.parts import parse_part
from redheart_lit.data.schema import DataError, Record


class CountingReader:
    """``n`` records per split (texts from ``texts`` if given); counts the reads."""

    def __init__(self, n: int = 1000, texts: list[str] | None = None) -> None:
        self.texts = texts or [f"text {i}" for i in range(n)]
        self.reads: list[str] = []

    def read(self, split: str) -> list[Record]:
        self.reads.append(split)
        return [Record(f"{split}:{i}", t, "en") for i, t in enumerate(self.texts)]


def _ids(records: list[Record]) -> set[str]:
    return {r.id for r in records}


@pytest.mark.parametrize(
    ("name", "parsed"),
    [("test", ("test", None)), ("test[0:0.9]", ("test", (0.0, 0.9))),
     ("train[0.25:1]", ("train", (0.25, 1.0))), ("test_hard", ("test_hard", None))],
)  # fmt: skip
def test_parse_part(name: str, parsed: tuple) -> None:
    assert parse_part(name) == parsed


@pytest.mark.parametrize(
    "name", ["test[0.9:0.1]", "test[0:1.5]", "test[0.5:0.5]", "test[a:b]", "test[0:1"]
)
def test_bad_parts_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match=f"split '{name}'".replace("[", r"\[")):
        parse_part(name)


def test_parts_are_disjoint_cover_everything_and_have_the_right_size() -> None:
    inner = CountingReader(1000)
    reader = PartReader(inner, seed=0)
    assert isinstance(reader, Reader)
    parts = [_ids(reader.read(f"train[{lo}:{hi}]")) for lo, hi in [(0, 0.8), (0.8, 0.9), (0.9, 1)]]
    assert set.union(*parts) == _ids(inner.read("train"))
    assert sum(len(p) for p in parts) == 1000  # so pairwise disjoint
    assert abs(len(parts[0]) - 800) <= 40
    assert abs(len(parts[2]) - 100) <= 30
    # The whole split was read once for three parts (then once more above, directly).
    assert inner.reads == ["train", "train"]


def test_parts_are_deterministic_and_seeded() -> None:
    first = PartReader(CountingReader(), seed=0).read("test[0:0.5]")
    assert PartReader(CountingReader(), seed=0).read("test[0:0.5]") == first
    assert _ids(PartReader(CountingReader(), seed=1).read("test[0:0.5]")) != _ids(first)


def test_identical_texts_land_in_the_same_part() -> None:
    inner = CountingReader(texts=[f"text {i % 50}" for i in range(200)])
    head = PartReader(inner).read("train[0:0.5]")
    texts = {r.text for r in head}
    assert len(head) == 4 * len(texts)  # every copy of a text or none


def test_plain_split_names_pass_through() -> None:
    inner = CountingReader(10)
    assert PartReader(inner).read("test_hard") == inner.read("test_hard")


def test_an_empty_part_is_an_error() -> None:
    with pytest.raises(DataError, match=r"split 'train\[0:0.001\]': no record falls in this part"):
        PartReader(CountingReader(3)).read("train[0:0.001]")
