"""The task table: the single source of truth for what each task predicts and learns from.

Heads, losses, metrics and the collate function read :data:`TASKS` instead of repeating
per-task knowledge. A *label* is one supervised quantity in a record (``labels.<key>`` in
the JSONL schema, see ``docs/data.md``); a task owns one or more labels.
"""

from __future__ import annotations

from dataclasses import dataclass

# GoEmotions (Demszky et al., 2020): 27 emotions + neutral, in the dataset's id order.
EMOTION_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

# The seven dimensions of Bentham's hedonic calculus, then three cost/distribution terms.
HEDONIC_FACTORS: tuple[str, ...] = (
    "intensity", "duration", "certainty", "propinquity", "fecundity", "purity", "extent",
)  # fmt: skip
COST_FACTORS: tuple[str, ...] = ("external_cost", "redistribution_effect", "self_damage")
BENTHAM_FACTORS: tuple[str, ...] = HEDONIC_FACTORS + COST_FACTORS

# Sign of each factor in the hedonic utility (see ``docs/architecture.md``): pleasure-side
# dimensions and redistribution raise utility; harm to others or to oneself lowers it.
BENTHAM_UTILITY_SIGNS: tuple[float, ...] = (1.0,) * 7 + (-1.0, 1.0, -1.0)

SURD_SHARES: tuple[str, ...] = ("synergy", "unique", "redundant", "leak")


@dataclass(frozen=True)
class LabelSpec:
    """One supervised quantity.

    Attributes:
        key: name under ``labels`` in a record and in a batch.
        dim: width of the label vector; 0 means a scalar per sample.
        needs_counterfactual: the label only makes sense for a record with a counterfactual.
    """

    key: str
    dim: int
    needs_counterfactual: bool = False


@dataclass(frozen=True)
class MetricSpec:
    """A metric on one label: ``kind`` is a key of ``redheart_lit.metrics.METRIC_KINDS``."""

    name: str
    label: str
    kind: str


@dataclass(frozen=True)
class TaskSpec:
    """What a task predicts (``outputs``), from which labels it learns and how it is scored."""

    name: str
    outputs: tuple[str, ...]
    loss: str
    labels: tuple[LabelSpec, ...]
    metrics: tuple[MetricSpec, ...]


TASKS: dict[str, TaskSpec] = {
    "emotion": TaskSpec(
        name="emotion",
        outputs=tuple(f"p({label})" for label in EMOTION_LABELS),
        loss="binary focal (gamma=2)",
        labels=(LabelSpec("emotion", len(EMOTION_LABELS)),),
        metrics=(
            MetricSpec("macro_f1", "emotion", "multilabel_macro_f1"),
            MetricSpec("micro_f1", "emotion", "multilabel_micro_f1"),
        ),
    ),
    "bentham": TaskSpec(
        name="bentham",
        outputs=(*BENTHAM_FACTORS, "utility", "acceptability"),
        loss="MSE + extreme-value penalty (factors), Bradley-Terry (utility pairs), BCE (acceptability)",
        labels=(
            LabelSpec("bentham", len(BENTHAM_FACTORS)),
            LabelSpec("utility_pref", 0, needs_counterfactual=True),
            LabelSpec("acceptability", 0),
        ),
        metrics=(
            MetricSpec("factors_mae", "bentham", "mae"),
            MetricSpec("utility_pair_acc", "utility_pref", "binary_accuracy"),
            MetricSpec("acceptability_acc", "acceptability", "binary_accuracy"),
        ),
    ),
    "regret": TaskSpec(
        name="regret",
        outputs=("regret",),
        loss="Huber",
        labels=(LabelSpec("regret", 0),),
        metrics=(
            MetricSpec("mae", "regret", "mae"),
            MetricSpec("acc", "regret", "binary_accuracy"),
        ),
    ),
    "surd": TaskSpec(
        name="surd",
        outputs=SURD_SHARES,
        loss="MSE + 0.1*(sum-1)^2",
        labels=(LabelSpec("surd", len(SURD_SHARES)),),
        metrics=(MetricSpec("mae", "surd", "mae"),),
    ),
}

TASK_NAMES: tuple[str, ...] = tuple(TASKS)

LABELS: dict[str, LabelSpec] = {
    label.key: label for spec in TASKS.values() for label in spec.labels
}


def task_of_label(key: str) -> str:
    """Name of the task that owns label ``key``."""
    for spec in TASKS.values():
        if any(label.key == key for label in spec.labels):
            return spec.name
    raise KeyError(f"unknown label key {key!r}; known: {sorted(LABELS)}")


def check_task_names(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validate a task selection from config, keeping the canonical order."""
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    if not names:
        raise ValueError("at least one task must be selected (model.config.tasks is empty)")
    return tuple(n for n in TASKS if n in names)
