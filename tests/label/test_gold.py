"""Gold files by format, and the texts of a gold file as labeller input."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.data.fake_data import ethics_rows, write_ethics, write_goemotions
from tests.label.conftest import read_rows

from redheart_lit.label.gold import main, read_gold


def test_utilitarianism_gold_keeps_its_counterfactual_in_the_texts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_ethics(tmp_path / "ethics", "utilitarianism",
                        {"test": ethics_rows("utilitarianism", 3, "u")})  # fmt: skip
    gold = root / "utilitarianism" / "util_test.csv"
    out = tmp_path / "texts.jsonl"
    main([f"gold={gold}", f"out={out}", "limit=2"])
    rows = read_rows(out)
    records = read_gold(gold)
    assert len(rows) == 2
    assert rows[0] == {"id": records[0].id, "text": records[0].text, "lang": "en",
                       "counterfactual": records[0].counterfactual}  # fmt: skip
    assert "wrote 2 text(s)" in capsys.readouterr().out


def test_goemotions_texts_have_no_labels(tmp_path: Path) -> None:
    folder = write_goemotions(tmp_path / "ko", {"train": ["고마워요.\t15"]})
    out = tmp_path / "texts.jsonl"
    main([f"gold={folder / 'train.tsv'}", f"out={out}", "lang=ko"])
    assert read_rows(out) == [{"id": "goemotions-ko/train:1", "text": "고마워요.", "lang": "ko"}]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("goemotions/en/val.tsv", "a GoEmotions file is named <split>.tsv"),
        ("ethics/commonsense/cm_val.csv", "an ETHICS file is one of"),
        ("ethics/elsewhere/x_test.csv", "an ETHICS file is one of"),
    ],
)
def test_misnamed_gold_files_are_explained(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_gold(tmp_path / name)
