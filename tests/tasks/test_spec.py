"""The task table is the single source of truth, so it must be internally consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from redheart_lit.tasks.spec import (
    BENTHAM_FACTORS,
    BENTHAM_UTILITY_SIGNS,
    BUILT_IN_TASKS,
    COST_FACTORS,
    EMOTION_LABELS,
    HEDONIC_FACTORS,
    SURD_SHARES,
    TASKS,
    LabelSpec,
    MetricSpec,
    TaskSpec,
    check_task_names,
    labels,
    register_spec,
    task_of_label,
)
from redheart_lit.tasks.stage_metrics import METRIC_KINDS

# The built-in tasks' labels (a test elsewhere may register a fifth task in this process).
LABELS = {key: spec for key, spec in labels().items() if task_of_label(key) in BUILT_IN_TASKS}

# GoEmotions' label ids, written out independently of the source (Demszky et al., 2020).
GOEMOTIONS = [
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
]  # fmt: skip


def test_emotion_labels_are_goemotions_in_id_order() -> None:
    assert len(EMOTION_LABELS) == 28
    assert list(EMOTION_LABELS) == GOEMOTIONS
    # Spot checks of ids the sample data and the docs use.
    assert EMOTION_LABELS.index("joy") == 17
    assert EMOTION_LABELS.index("gratitude") == 15
    assert EMOTION_LABELS[27] == "neutral"


@pytest.mark.shared_data
def test_emotion_labels_match_the_dataset_file(shared_data: Path) -> None:
    # The real dataset's id -> name file must agree, or every label id would be shifted.
    lines = (shared_data / "goemotions" / "en" / "labels.txt").read_text().split()
    assert tuple(lines) == EMOTION_LABELS


def test_bentham_factors() -> None:
    assert len(HEDONIC_FACTORS) == 7
    assert len(COST_FACTORS) == 3
    assert BENTHAM_FACTORS == HEDONIC_FACTORS + COST_FACTORS
    assert len(BENTHAM_FACTORS) == 10
    assert len(set(BENTHAM_FACTORS)) == 10
    # One sign per factor; harm to others and to oneself lowers utility.
    assert len(BENTHAM_UTILITY_SIGNS) == 10
    signs = dict(zip(BENTHAM_FACTORS, BENTHAM_UTILITY_SIGNS, strict=True))
    assert signs["external_cost"] == -1.0
    assert signs["self_damage"] == -1.0
    assert signs["redistribution_effect"] == 1.0
    assert all(signs[f] == 1.0 for f in HEDONIC_FACTORS)


def test_surd_shares() -> None:
    assert SURD_SHARES == ("synergy", "unique", "redundant", "leak")


def test_task_names_and_keys_agree() -> None:
    assert BUILT_IN_TASKS == ("emotion", "bentham", "regret", "surd")
    for name, spec in TASKS.items():
        assert spec.name == name
    assert tuple(TASKS)[:4] == BUILT_IN_TASKS


def test_output_widths() -> None:
    assert len(TASKS["emotion"].outputs) == 28
    assert TASKS["emotion"].outputs[17] == "p(joy)"
    assert TASKS["bentham"].outputs == (*BENTHAM_FACTORS, "utility", "acceptability")
    assert TASKS["regret"].outputs == ("regret",)
    assert TASKS["surd"].outputs == SURD_SHARES


def test_label_specs() -> None:
    dims = {key: spec.dim for key, spec in LABELS.items()}
    assert dims == {
        "emotion": 28,
        "bentham": 10,
        "utility_pref": 0,
        "acceptability": 0,
        "regret": 0,
        "surd": 4,
    }
    # Only the pairwise preference needs a counterfactual to compare with.
    assert [k for k, s in LABELS.items() if s.needs_counterfactual] == ["utility_pref"]


def test_every_label_key_has_exactly_one_owner() -> None:
    keys = [label.key for name in BUILT_IN_TASKS for label in TASKS[name].labels]
    assert len(keys) == len(set(keys)) == len(LABELS)
    assert task_of_label("utility_pref") == "bentham"
    assert task_of_label("acceptability") == "bentham"
    assert task_of_label("emotion") == "emotion"
    assert task_of_label("surd") == "surd"


def test_task_of_unknown_label_raises() -> None:
    with pytest.raises(KeyError, match="unknown label key 'valence'"):
        task_of_label("valence")


@pytest.mark.parametrize("task", BUILT_IN_TASKS)
def test_every_metric_reads_a_label_of_its_own_task(task: str) -> None:
    spec = TASKS[task]
    own = {label.key for label in spec.labels}
    assert spec.metrics, f"task {task} has no metric"
    for metric in spec.metrics:
        assert metric.label in own, f"{task}/{metric.name} reads {metric.label}"
        assert metric.kind in METRIC_KINDS
    names = [m.name for m in spec.metrics]
    assert len(names) == len(set(names))


def test_check_task_names_keeps_canonical_order() -> None:
    assert check_task_names(["surd", "emotion"]) == ("emotion", "surd")
    assert check_task_names(list(BUILT_IN_TASKS)) == BUILT_IN_TASKS


def test_check_task_names_rejects_unknown() -> None:
    with pytest.raises(ValueError, match=r"unknown task\(s\) \['emotoin'\]") as err:
        check_task_names(["emotoin", "surd"])
    # The message lists the valid choices.
    assert "bentham" in str(err.value)


def test_check_task_names_rejects_empty() -> None:
    with pytest.raises(ValueError, match=r"at least one task.*model\.config\.tasks"):
        check_task_names([])


def test_label_kinds() -> None:
    kinds = {key: spec.kind for key, spec in LABELS.items()}
    assert kinds == {
        "emotion": "ids",
        "bentham": "factors",
        "utility_pref": "binary",
        "acceptability": "binary",
        "regret": "unit",
        "surd": "simplex",
    }


def test_a_label_spec_checks_its_kind() -> None:
    with pytest.raises(ValueError, match="kind 'vector' not in"):
        LabelSpec("x", "vector")
    with pytest.raises(ValueError, match="kind 'class' needs names"):
        LabelSpec("x", "class")
    assert LabelSpec("x", "class", ("a", "b", "c")).dim == 0


def test_a_task_spec_checks_that_metrics_read_its_labels() -> None:
    with pytest.raises(ValueError, match=r"metrics read unknown label\(s\) \['regret'\]"):
        TaskSpec("t", ("y",), (LabelSpec("y", "unit"),), (MetricSpec("mae", "regret", "mae"),))


def test_registering_a_label_that_another_task_owns_is_refused() -> None:
    spec = TaskSpec("valence", ("v",), (LabelSpec("regret", "unit"),), ())
    with pytest.raises(ValueError, match=r"label key\(s\) \['regret'\] belong to other tasks"):
        register_spec(spec)
    assert "valence" not in TASKS


def test_registering_another_spec_under_a_known_name_is_refused() -> None:
    with pytest.raises(ValueError, match="'surd' is already registered"):
        register_spec(TaskSpec("surd", ("x",), (LabelSpec("x2", "unit"),), ()))
