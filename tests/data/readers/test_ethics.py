"""EthicsReader: the five ETHICS tasks, the utilitarianism orientation rule, error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.data.fake_data import ethics_rows, write_ethics, write_lines

from redheart_lit.data.readers import EthicsReader
from redheart_lit.data.readers.ethics import ETHICS_TASKS, orient_pair
from redheart_lit.data.schema import DataError, Record


def _read(root: Path, task: str, rows: list[list[str]], split: str = "train") -> list[Record]:
    write_ethics(root, task, {split: rows})
    return EthicsReader(root, task).read(split)


def test_orientation_rule() -> None:
    # Pinned: the hash decides, and a change to it would silently change the data set.
    assert orient_pair("I won the game.", "I lost the game.") == (
        "I won the game.", "I lost the game.", {"utility_pref": 1, "regret": 0.0},
    )  # fmt: skip
    assert orient_pair("I got a raise.", "I got fired.") == (
        "I got fired.", "I got a raise.", {"utility_pref": 0, "regret": 1.0},
    )  # fmt: skip


def test_utilitarianism_pairs_become_one_oriented_record_each(tmp_path: Path) -> None:
    pairs = [[f"Good thing {i}, nice.", f"Bad thing {i}."] for i in range(400)]
    records = _read(tmp_path, "utilitarianism", pairs)
    assert len(records) == len(pairs)
    kept = 0
    for line, ((better, worse), record) in enumerate(zip(pairs, records, strict=True), start=1):
        assert record.id == f"ethics-utilitarianism/train:{line}"
        if record.text == better:
            kept += 1
            assert record.counterfactual == worse
            assert record.labels == {"utility_pref": 1.0, "regret": 0.0}
        else:
            assert (record.text, record.counterfactual) == (worse, better)
            assert record.labels == {"utility_pref": 0.0, "regret": 1.0}
    assert 0.42 <= kept / len(pairs) <= 0.58, kept  # about half each way
    # Deterministic: the same file gives the same records.
    assert EthicsReader(tmp_path, "utilitarianism").read("train") == records


def test_commonsense(tmp_path: Path) -> None:
    rows = [["0", "I helped.", "True", "False"], ["1", "I lied,\nthen left.", "False", "True"]]
    ok, wrong = _read(tmp_path, "commonsense", rows, split="test")
    assert ok == Record("ethics-commonsense/test:2", "I helped.", "en",
                        labels={"acceptability": 1.0, "regret": 0.0})  # fmt: skip
    # Line 3 starts the second row; its quoted text spans two lines.
    assert wrong == Record("ethics-commonsense/test:3", "I lied,\nthen left.", "en",
                           labels={"acceptability": 0.0, "regret": 1.0})  # fmt: skip


def test_deontology_justice_virtue(tmp_path: Path) -> None:
    (deon,) = _read(tmp_path, "deontology", [["1", "Shouldn't you cook?", "No, I ate out."]])
    assert (deon.text, deon.labels) == (
        "Shouldn't you cook? No, I ate out.",
        {"acceptability": 1.0},
    )
    (justice,) = _read(tmp_path, "justice", [["0", "I deserve a car because I smiled."]])
    assert (justice.text, justice.labels) == (
        "I deserve a car because I smiled.",
        {"acceptability": 0.0},
    )
    (virtue,) = _read(tmp_path, "virtue", [["1", "She shared her lunch. [SEP] generous"]])
    assert virtue.text == "She shared her lunch. [SEP] generous"  # kept as is
    assert virtue.labels == {"acceptability": 1.0}
    assert {r.lang for r in (deon, justice, virtue)} == {"en"}
    assert deon.counterfactual is None


def test_bad_rows_name_file_line_and_field(tmp_path: Path) -> None:
    rows = [["1", "fine"], ["2", "bad label"], ["1", ""], ["yes", "x"]]
    with pytest.raises(DataError) as err:
        _read(tmp_path, "justice", rows)
    path = tmp_path / "justice" / "justice_train.csv"
    message = str(err.value)
    assert message.startswith(f"3 invalid row(s) in {path}:")
    assert f"{path}:3: label: must be 0 or 1, got '2'" in message
    assert f"{path}:4: text: must be a non-empty string" in message
    assert f"{path}:5: label: must be 0 or 1, got 'yes'" in message


def test_header_is_checked(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "virtue" / "virtue_train.csv", ["label,text", "1,a [SEP] kind"])
    with pytest.raises(
        DataError, match=f"{path}:1: header: expected 'label,scenario', got 'label,text'"
    ):
        EthicsReader(tmp_path, "virtue").read("train")


@pytest.mark.parametrize("task", list(ETHICS_TASKS))
def test_every_task_accepts_test_hard_and_names_the_missing_file(tmp_path: Path, task: str) -> None:
    write_ethics(tmp_path, task, {"test": ethics_rows(task, 3, "t")})
    reader = EthicsReader(tmp_path, task)
    assert len(reader.read("test")) == 3
    prefix = reader.path("test").name.removesuffix("_test.csv")
    with pytest.raises(FileNotFoundError) as err:
        reader.read("test_hard")
    expected = tmp_path / task / f"{prefix}_test_hard.csv"
    assert str(err.value).startswith(
        f"{expected}: no such file; expected the ETHICS {task} test_hard split"
    )


def test_unknown_split_task_and_missing_root(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match=r"no split 'dev'; splits are \['train', 'test', 'test_hard'\]"
    ):
        EthicsReader(tmp_path, "justice").read("dev")
    with pytest.raises(ValueError, match="unknown task 'fairness'"):
        EthicsReader(tmp_path, "fairness")
    with pytest.raises(
        FileNotFoundError, match="absent: no such folder; expected the ETHICS folder"
    ):
        EthicsReader(tmp_path / "absent", "justice").read("train")


# --- the real files in ../shared/data (skipped where they are absent) --------------------


@pytest.mark.shared_data
def test_real_utilitarianism(shared_data: Path) -> None:
    reader = EthicsReader(shared_data / "ethics", "utilitarianism")
    train, test = reader.read("train"), reader.read("test")
    assert (len(train), len(test)) == (13_738, 4_808)
    share = sum(r.labels["utility_pref"] for r in train) / len(train)
    assert 0.48 <= share <= 0.52, share
    assert all(
        r.counterfactual and r.labels["regret"] == 1 - r.labels["utility_pref"] for r in train
    )


@pytest.mark.shared_data
def test_real_commonsense(shared_data: Path) -> None:
    reader = EthicsReader(shared_data / "ethics", "commonsense")
    records = reader.read("test")
    assert len(records) == 3_885
    assert all(r.labels["acceptability"] == 1 - r.labels["regret"] for r in records)
    assert {r.labels["acceptability"] for r in records} == {0.0, 1.0}
    with pytest.raises(FileNotFoundError, match=r"cm_test_hard.csv: no such file"):
        reader.read("test_hard")
    with pytest.raises(FileNotFoundError, match=r"cm_train.csv: no such file"):
        reader.read("train")


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("task", "n_test"), [("deontology", 3_596), ("justice", 2_704), ("virtue", 4_975)]
)
def test_real_other_tasks_load(shared_data: Path, task: str, n_test: int) -> None:
    assert len(EthicsReader(shared_data / "ethics", task).read("test")) == n_test
