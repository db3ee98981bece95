"""ETHICS (Hendrycks et al., ICLR 2021): five tasks, one CSV per task and split.

Files: ``<root>/<task folder>/<prefix>_<split>.csv`` with split ``train``, ``test`` or
``test_hard``. How each task becomes records (``lang`` is ``en``; the id is
``ethics-<task>/<split>:<line>``):

==============  =============================  ==============================================
task            columns                        record
==============  =============================  ==============================================
utilitarianism  ``a,b`` (no header): a human   one record per pair, oriented by a hash of the
                judged ``a`` more pleasant     pair (:func:`orient_pair`): ``text=a,
                                               counterfactual=b, utility_pref=1, regret=0``
                                               or ``text=b, counterfactual=a, utility_pref=0,
                                               regret=1``
commonsense     ``label,input,is_short,        ``text=input``, ``acceptability = 1 - label``,
                edited`` (1 = clearly wrong)   ``regret = label`` (a proxy, see below)
deontology      ``label,scenario,excuse``      ``text = scenario + " " + excuse``,
                                               ``acceptability = label`` (1 = reasonable)
justice         ``label,scenario``             ``acceptability = label`` (1 = reasonable)
virtue          ``label,scenario`` with        ``text = scenario`` as is, ``acceptability =
                ``"text [SEP] trait"``         label`` (1 = the trait fits; see below)
==============  =============================  ==============================================

Commonsense scenarios are first-person acts, so "clearly wrong" stands in for "an act one
would regret"; it is a proxy, not a regret rating. Virtue's label says whether a trait
describes the person, not whether the act is acceptable (for a vice such as "cruel" the two
are opposite); it is auxiliary signal at best. ``docs/data.md`` ("Real datasets") has more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redheart_lit.data.readers.hashing import unit_hash
from redheart_lit.data.readers.rows import Row, RowError, read_delimited, require_dir
from redheart_lit.data.schema import Record

SPLITS = ("train", "test", "test_hard")
_ORIENTATION_SALT = "ethics-utilitarianism-orientation"

# fields of one row -> (text, counterfactual or None, labels)
Fields = dict[str, str]
Build = Callable[[Fields], tuple[str, str | None, dict[str, Any]]]


def binary(fields: Fields, column: str) -> int:
    """The 0/1 label in ``column``; anything else is a :class:`RowError`."""
    value = fields[column].strip()
    if value not in ("0", "1"):
        raise RowError(column, f"must be 0 or 1, got {fields[column]!r}")
    return int(value)


def orient_pair(better: str, worse: str) -> tuple[str, str | None, dict[str, Any]]:
    """One record from a utilitarianism pair, in a direction fixed by a hash of the pair.

    Always putting the better scenario first would let the model learn "the text wins";
    a hash instead of a coin keeps the choice identical on every run and machine. About
    half the pairs keep their order (``utility_pref=1``: the text is more pleasant) and
    the rest are flipped (``utility_pref=0``). Regret is 1 exactly when the text, the act
    taken, is the worse of the two: choosing it over the better one is regret.
    """
    if unit_hash(f"{better}\x1f{worse}", _ORIENTATION_SALT) < 0.5:
        return better, worse, {"utility_pref": 1, "regret": 0.0}
    return worse, better, {"utility_pref": 0, "regret": 1.0}


def _utilitarianism(fields: Fields) -> tuple[str, str | None, dict[str, Any]]:
    return orient_pair(fields["better"], fields["worse"])


def _commonsense(fields: Fields) -> tuple[str, str | None, dict[str, Any]]:
    wrong = binary(fields, "label")
    return fields["input"], None, {"acceptability": 1 - wrong, "regret": float(wrong)}


def _deontology(fields: Fields) -> tuple[str, str | None, dict[str, Any]]:
    text = f"{fields['scenario']} {fields['excuse']}"
    return text, None, {"acceptability": binary(fields, "label")}


def _labelled_scenario(fields: Fields) -> tuple[str, str | None, dict[str, Any]]:
    return fields["scenario"], None, {"acceptability": binary(fields, "label")}


@dataclass(frozen=True)
class EthicsTask:
    """Where a task's files are and how a row becomes a record."""

    folder: str
    prefix: str
    columns: tuple[str, ...]
    header: bool
    build: Build


ETHICS_TASKS: dict[str, EthicsTask] = {
    "utilitarianism": EthicsTask(
        "utilitarianism", "util", ("better", "worse"), header=False, build=_utilitarianism
    ),
    "commonsense": EthicsTask(
        "commonsense", "cm", ("label", "input", "is_short", "edited"), True, _commonsense
    ),
    "deontology": EthicsTask(
        "deontology", "deontology", ("label", "scenario", "excuse"), True, _deontology
    ),
    "justice": EthicsTask("justice", "justice", ("label", "scenario"), True, _labelled_scenario),
    "virtue": EthicsTask("virtue", "virtue", ("label", "scenario"), True, _labelled_scenario),
}


class EthicsReader:
    """Reads one ETHICS task.

    Args:
        root: the ETHICS folder (holding ``utilitarianism/``, ``commonsense/``, ...).
        task: a key of :data:`ETHICS_TASKS`.
    """

    def __init__(self, root: str | Path, task: str) -> None:
        if task not in ETHICS_TASKS:
            raise ValueError(f"EthicsReader: unknown task {task!r}; tasks are {list(ETHICS_TASKS)}")
        self.root, self.task = Path(root), task

    def path(self, split: str) -> Path:
        spec = ETHICS_TASKS[self.task]
        return self.root / spec.folder / f"{spec.prefix}_{split}.csv"

    def read(self, split: str) -> list[Record]:
        if split not in SPLITS:
            raise ValueError(f"ETHICS has no split {split!r}; splits are {list(SPLITS)}")
        spec = ETHICS_TASKS[self.task]
        require_dir(
            self.root, f"the ETHICS folder, holding {', '.join(t + '/' for t in ETHICS_TASKS)}"
        )

        def convert(row: Row) -> dict[str, Any]:
            text, counterfactual, labels = spec.build(dict(row.fields))
            record: dict[str, Any] = {
                "id": f"ethics-{self.task}/{split}:{row.number}",
                "text": text,
                "lang": "en",
                "labels": labels,
            }
            if counterfactual is not None:
                record["counterfactual"] = counterfactual
            return record

        layout = "the header line" if spec.header else "no header; rows"
        return read_delimited(
            self.path(split),
            convert,
            expects=f"the ETHICS {self.task} {split} split: a CSV file with {layout} "
            f"{','.join(spec.columns)!r}",
            columns=spec.columns,
            header=spec.header,
        )

    def __repr__(self) -> str:
        return f"EthicsReader(root={str(self.root)!r}, task={self.task!r})"
