"""A fifth task, defined here: one class and one config entry, nothing edited under src/.

The worked example of docs/architecture.md ("How to add a task"). A 3-class sentiment task
with its own head (the plain readout: analyzer + head of one logit per class) and
cross-entropy loss trains jointly with emotion on the tiny model, and its loss falls.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import TINY, compose_train

from redheart_lit.tasks import TASK_MODULES, MultiTaskModule
from redheart_lit.tasks.readout.base import READOUTS
from redheart_lit.tasks.spec import TASKS

CLASSES = ("negative", "neutral", "positive")

# The one class, in a module of the user's own (here written to the test's folder).
TASK_MODULE = """
from redheart_lit.tasks import TaskModule
from redheart_lit.tasks.spec import LabelSpec, MetricSpec, TaskSpec

CLASSES = ("negative", "neutral", "positive")


class SentimentTask(TaskModule):
    spec = TaskSpec(
        name="sentiment",
        outputs=CLASSES,
        labels=(LabelSpec("sentiment", "class", CLASSES),),
        metrics=(MetricSpec("acc", "sentiment", "multiclass_accuracy"),),
    )

    def loss_target(self, target):
        return target.long()  # cross-entropy takes class indices
"""

# The one config entry: an experiment file, composed from a folder of the test's own.
EXPERIMENT = """# @package _global_
task_modules: [sentiment_task]
defaults:
  - override /model: tiny
  - override /loss/weighting: equal
model:
  config:
    tasks: [emotion, sentiment]
    analyzers:
      sentiment: {enabled: true, n_layers: 1, ffn_dim: 64}
    heads:
      sentiment: {hidden: 32, depth: 1, n_experts: 1}
loss:
  sentiment:
    _target_: torch.nn.CrossEntropyLoss
optimizer:
  lr: 3.0e-3
"""

WORDS = {
    "negative": ["awful", "terrible", "sad", "angry", "hate"],
    "neutral": ["table", "window", "paper", "street", "chair"],
    "positive": ["wonderful", "great", "happy", "love", "joy"],
}


@pytest.fixture
def registry() -> Iterator[None]:
    """Restore the task registries after the test: the fifth task lives in it alone."""
    saved = [(table, dict(table)) for table in (TASKS, READOUTS, TASK_MODULES)]
    yield
    for table, contents in saved:
        table.clear()
        table.update(contents)


def _write_data(root: Path) -> None:
    """Sentences whose class is carried by one word; every fourth also has emotion labels."""
    root.mkdir(parents=True)
    for split, n in (("train", 96), ("val", 24), ("test", 24)):
        rows = []
        for i in range(n):
            label = i % 3
            word = WORDS[CLASSES[label]][(i // 3) % 5]
            labels: dict[str, Any] = {"sentiment": label}
            if i % 4 == 0:
                labels["emotion"] = [17] if label == 2 else [25] if label == 0 else [27]
            rows.append({"id": f"{split}-{i}", "text": f"It was {word}, really {word}.",
                         "lang": "en", "labels": labels})  # fmt: skip
        (root / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_fifth_task_registers_and_trains_with_emotion(
    tmp_path: Path, registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redheart_lit.cli.train import train

    (tmp_path / "sentiment_task.py").write_text(TASK_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sentiment_task", raising=False)
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "sentiment.yaml").write_text(EXPERIMENT)
    _write_data(tmp_path / "data")
    overrides = [
        *TINY,
        f"hydra.searchpath=[file://{tmp_path / 'conf'}]",
        "experiment=sentiment",
        f"data.root={tmp_path / 'data'}",
        "trainer.max_epochs=6",
        "callbacks.early_stopping=null",
        "callbacks.model_checkpoint=null",
        "test=false",
        "logger=csv",
    ]
    cfg = compose_train(overrides, tmp_path / "run")
    metrics, objects = train(cfg)
    module = objects["module"]
    task_cls = TASK_MODULES["sentiment"]  # registered by importing task_modules
    assert task_cls.__module__ == "sentiment_task"
    assert isinstance(module, MultiTaskModule)
    assert isinstance(module.tasks["sentiment"], task_cls)

    (path,) = list((tmp_path / "run" / "csv").rglob("metrics.csv"))
    history = [r for r in csv.DictReader(path.open()) if r.get("train/sentiment/loss")]
    losses = [float(r["train/sentiment/loss"]) for r in history]
    assert len(losses) == 6
    # From chance (ln 3 = 1.10) down: measured 1.11 -> 0.88 over six epochs.
    assert losses[-1] < 0.85 * losses[0], losses
    assert "val/sentiment/acc" in metrics
    assert "val/emotion/macro_f1" in metrics
