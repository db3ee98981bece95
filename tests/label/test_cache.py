"""The answer cache: content-addressed keys, atomic entries, info and clear."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PROJECT_ROOT

from redheart_lit.label.cache import AnswerCache, cache_key, clear, info, main
from redheart_lit.label.prompts import row_messages

BASE = {
    "model": "m",
    "prompt_version": "v1",
    "schema": "{}",
    "messages": row_messages("a text", "en", None),
    "generation": {"temperature": 0.0},
}


def key(**changes: object) -> str:
    return cache_key(**{**BASE, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"model": "other"},
        {"prompt_version": "v2"},
        {"schema": '{"x": 1}'},
        {"messages": row_messages("another text", "en", None)},
        {"messages": row_messages("a text", "ko", None)},
        {"messages": row_messages("a text", "en", "a counterfactual")},
        {"generation": {"temperature": 0.7}},
    ],
    ids=["model", "prompt", "schema", "text", "lang", "counterfactual", "generation"],
)
def test_key_changes_with_anything_the_answer_depends_on(change: dict[str, object]) -> None:
    assert key(**change) != key()


def test_key_is_stable() -> None:
    assert key() == key()
    assert len(key()) == 64


def test_put_get_and_no_temporary_files_left(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "c")
    assert cache.get(key()) is None
    cache.put(key(), {"status": "ok", "answer": {"x": "é"}})
    assert cache.get(key()) == {"status": "ok", "answer": {"x": "é"}}
    assert cache.has(key())
    assert [p.name for p in (tmp_path / "c").rglob("*") if p.is_file()] == [f"{key()}.json"]


def test_an_unreadable_entry_is_asked_again(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    cache.put(key(), {"status": "ok"})
    next(tmp_path.glob("*/*.json")).write_text('{"status": "o')  # edited by hand, badly
    assert cache.get(key()) is None


def test_info_and_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "c"
    cache = AnswerCache(root)
    cache.put(key(), {"status": "ok"})
    cache.put(key(model="other"), {"status": "rejected"})
    found = info(root)
    assert (found.entries, found.rejected) == (2, 1)
    main(["info", f"dir={root}"])
    assert "2 answer(s), 1 of them rejected" in capsys.readouterr().out
    main(["clear", f"dir={root}"])
    assert f"removed 2 cached answer(s) from {root}" in capsys.readouterr().out
    assert not root.exists()
    assert clear(root) == 0


def test_clear_without_dir_uses_the_projects_cache(tmp_path: Path) -> None:
    # The documented command, run from a project root: logs/cache/label under it.
    root = tmp_path / "logs" / "cache" / "label"
    AnswerCache(root).put(key(), {"status": "ok"})
    done = subprocess.run(
        [sys.executable, "-m", "redheart_lit.label.cache", "clear"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "REDHEART_ROOT": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"removed 1 cached answer(s) from {root}" in done.stdout
    assert not root.exists()


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["wipe"])
    assert done.value.code == 2
    with pytest.raises(SystemExit) as done:
        main(["clear", "folder=x"])
    assert done.value.code == 2
    assert "unknown argument 'folder=x'" in capsys.readouterr().err
