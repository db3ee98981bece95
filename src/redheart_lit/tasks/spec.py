"""The task table: the single source of truth for what each task predicts and learns from.

Heads, losses, metrics, the record validator and the collate function read :data:`TASKS`
instead of repeating per-task knowledge. A *label* is one supervised quantity in a record
(``labels.<key>`` in the JSONL schema, see ``docs/data.md``); a task owns one or more.

The table is open: a task module registers its :class:`TaskSpec` when its class is
defined (``tasks/base.py``), so a new task is one class plus config. This module imports
nothing heavier than the standard library; inference, serving and the data layer read it.
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

# GoEmotions' own sentiment grouping of its labels (Demszky et al., 2020, Table 4):
# +1 positive, -1 negative, 0 ambiguous (confusion, curiosity, realization, surprise) and
# neutral. Read by the SURD targets (valence agent) and inference (overall sentiment).
_POSITIVE = {
    "admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
    "joy", "love", "optimism", "pride", "relief",
}  # fmt: skip
_NEGATIVE = {
    "anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
    "fear", "grief", "nervousness", "remorse", "sadness",
}  # fmt: skip
EMOTION_VALENCE: tuple[float, ...] = tuple(
    1.0 if name in _POSITIVE else -1.0 if name in _NEGATIVE else 0.0 for name in EMOTION_LABELS
)

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

# How a label is written in a record and checked by ``data/schema.py``:
#   ids      list of distinct class ids, stored multi-hot ``[dim]`` (emotion)
#   factors  object with exactly ``names`` as keys, each in [0, 1] (bentham)
#   simplex  like factors, and the values sum to 1 (surd)
#   binary   0 or 1
#   unit     a number in [0, 1]
#   class    one class id in ``0 .. len(names) - 1``, stored as a float scalar
LABEL_KINDS = ("ids", "factors", "simplex", "binary", "unit", "class")


@dataclass(frozen=True)
class LabelSpec:
    """One supervised quantity.

    Attributes:
        key: name under ``labels`` in a record and in a batch.
        kind: how it is written and checked (:data:`LABEL_KINDS`).
        names: the class or component names (``ids``, ``factors``, ``simplex``, ``class``).
        needs_counterfactual: the label only makes sense for a record with a counterfactual.
    """

    key: str
    kind: str
    names: tuple[str, ...] = ()
    needs_counterfactual: bool = False

    def __post_init__(self) -> None:
        if self.kind not in LABEL_KINDS:
            raise ValueError(f"label {self.key!r}: kind {self.kind!r} not in {LABEL_KINDS}")
        if self.kind in ("ids", "factors", "simplex", "class") and not self.names:
            raise ValueError(f"label {self.key!r}: kind {self.kind!r} needs names")

    @property
    def dim(self) -> int:
        """Width of the label vector in a batch; 0 means a scalar per record."""
        return len(self.names) if self.kind in ("ids", "factors", "simplex") else 0


@dataclass(frozen=True)
class MetricSpec:
    """A training metric on one label: ``kind`` is a key of ``tasks.stage_metrics.METRIC_KINDS``."""

    name: str
    label: str
    kind: str


@dataclass(frozen=True)
class TaskSpec:
    """What a task predicts (``outputs``), from which labels it learns and how it is scored.

    Attributes:
        reads_counterfactual: the task reads the counterfactual text's states, so the trunk
            encodes counterfactuals when this task is on.
        reads_kalman: the task adds the trunk's sentence-level Kalman state to its pooled
            state, so the trunk runs the filter when this task is on.
    """

    name: str
    outputs: tuple[str, ...]
    labels: tuple[LabelSpec, ...]
    metrics: tuple[MetricSpec, ...]
    reads_counterfactual: bool = False
    reads_kalman: bool = False

    def __post_init__(self) -> None:
        keys = {label.key for label in self.labels}
        unknown = [m.label for m in self.metrics if m.label not in keys]
        if unknown:
            raise ValueError(f"task {self.name!r}: metrics read unknown label(s) {unknown}")


EMOTION = TaskSpec(
    name="emotion",
    outputs=tuple(f"p({label})" for label in EMOTION_LABELS),
    labels=(LabelSpec("emotion", "ids", EMOTION_LABELS),),
    metrics=(
        MetricSpec("macro_f1", "emotion", "multilabel_macro_f1"),
        MetricSpec("micro_f1", "emotion", "multilabel_micro_f1"),
    ),
)
BENTHAM = TaskSpec(
    name="bentham",
    outputs=(*BENTHAM_FACTORS, "utility", "acceptability"),
    labels=(
        LabelSpec("bentham", "factors", BENTHAM_FACTORS),
        LabelSpec("utility_pref", "binary", needs_counterfactual=True),
        LabelSpec("acceptability", "binary"),
    ),
    metrics=(
        MetricSpec("factors_mae", "bentham", "mae"),
        MetricSpec("utility_pair_acc", "utility_pref", "binary_accuracy"),
        MetricSpec("acceptability_acc", "acceptability", "binary_accuracy"),
    ),
    reads_counterfactual=True,
    reads_kalman=True,
)
REGRET = TaskSpec(
    name="regret",
    outputs=("regret",),
    labels=(LabelSpec("regret", "unit"),),
    metrics=(
        MetricSpec("mae", "regret", "mae"),
        MetricSpec("acc", "regret", "binary_accuracy"),
    ),
    reads_counterfactual=True,
    reads_kalman=True,
)
SURD = TaskSpec(
    name="surd",
    outputs=SURD_SHARES,
    labels=(LabelSpec("surd", "simplex", SURD_SHARES),),
    metrics=(MetricSpec("mae", "surd", "mae"),),
)

# name -> spec, in registration order (the four built-in tasks first). Extended only by
# :func:`register_spec`.
TASKS: dict[str, TaskSpec] = {spec.name: spec for spec in (EMOTION, BENTHAM, REGRET, SURD)}
BUILT_IN_TASKS: tuple[str, ...] = tuple(TASKS)


def register_spec(spec: TaskSpec) -> None:
    """Add a task to the table; its label keys must be new (a label has one owner)."""
    if spec.name in TASKS:
        if TASKS[spec.name] == spec:
            return  # re-registration of the same class (a module imported twice)
        raise ValueError(f"task {spec.name!r} is already registered with another spec")
    taken = {key for key in (label.key for label in spec.labels) if key in labels()}
    if taken:
        raise ValueError(f"task {spec.name!r}: label key(s) {sorted(taken)} belong to other tasks")
    TASKS[spec.name] = spec


def task_names() -> tuple[str, ...]:
    """Every registered task, in table order."""
    return tuple(TASKS)


def labels() -> dict[str, LabelSpec]:
    """Every label of every registered task: key -> spec."""
    return {label.key: label for spec in TASKS.values() for label in spec.labels}


def task_of_label(key: str) -> str:
    """Name of the task that owns label ``key``."""
    for spec in TASKS.values():
        if any(label.key == key for label in spec.labels):
            return spec.name
    raise KeyError(f"unknown label key {key!r}; known: {sorted(labels())}")


def check_task_names(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validate a task selection from config, keeping the table's order."""
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    if not names:
        raise ValueError("at least one task must be selected (model.config.tasks is empty)")
    return tuple(n for n in TASKS if n in names)


def reads_counterfactual(names: tuple[str, ...] | list[str]) -> bool:
    """Whether any of the tasks ``names`` reads counterfactual texts."""
    return any(TASKS[n].reads_counterfactual for n in names)


def reads_kalman(names: tuple[str, ...] | list[str]) -> bool:
    """Whether any of the tasks ``names`` reads the Kalman sentence state."""
    return any(TASKS[n].reads_kalman for n in names)
