"""benchmarks/gpu_data.py: the worst-case records are valid, full length and fully labelled."""

from __future__ import annotations

from pathlib import Path

from gpu_data import write_worst_case

from redheart_lit.data.schema import load_jsonl
from redheart_lit.tasks.spec import BUILT_IN_TASKS, TASKS
from redheart_lit.tokenizer import ByteTokenizer


def test_worst_case_records_are_full_length_and_fully_labelled(tmp_path: Path) -> None:
    summary = write_worst_case(tmp_path, n_train=9, n_val=3, max_length=96)
    train = load_jsonl(tmp_path / "train.jsonl")  # the project's validator accepts them
    assert (len(train), len(load_jsonl(tmp_path / "val.jsonl"))) == (9, 3)
    assert (summary["train"], summary["val"]) == (9, 3)
    # Every third record, from the first, has a counterfactual.
    assert [r.counterfactual is not None for r in train] == [i % 3 == 0 for i in range(9)]
    texts = [r.text for r in train] + [r.counterfactual for r in train if r.counterfactual]
    assert all(len(t.encode("utf-8")) >= 96 for t in texts)
    # Longer than max_length, so the tokenizer cuts every one to exactly max_length tokens.
    assert (ByteTokenizer(max_length=96)(texts).attention_mask.sum(1) == 96).all()
    # The built-in tasks' labels: a test elsewhere may register a task of its own.
    label_keys = {label.key for name in BUILT_IN_TASKS for label in TASKS[name].labels}
    for record in train:
        expected = label_keys - (set() if record.counterfactual else {"utility_pref"})
        assert set(record.labels) == expected
