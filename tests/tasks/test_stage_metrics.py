"""TaskMetrics on hand-made outputs: F1 by hand, masking, unreported empty metrics."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from tests.helpers import build_net, collate, emotion_multi_hot, full_batch, random_output, record

from redheart_lit.data.batch import Batch
from redheart_lit.tasks.readout import BenthamOutput, EmotionOutput, RegretOutput, SurdOutput
from redheart_lit.tasks.spec import BUILT_IN_TASKS, TASKS
from redheart_lit.tasks.stage_metrics import METRIC_BEST, METRIC_KINDS, TaskMetrics

BIG = 8.0  # a logit far enough from 0 to be an unambiguous yes (+) or no (-)
# Fresh readouts: temperatures at 1, so their probabilities are the plain sigmoid.
READOUTS = build_net().readouts


def _metrics(task: str, stage: str = "val", flush_every: int = 32) -> TaskMetrics:
    return TaskMetrics(stage, TASKS[task], READOUTS[task], flush_every=flush_every)


def _update(metrics: TaskMetrics, out: Any, batch: Batch, loss: torch.Tensor | None) -> None:
    probabilities = READOUTS[metrics.task].probabilities(out)
    metrics.update(out, batch, probabilities, loss)


def _same(flag: bool) -> bool:
    """Single process: a metric was updated anywhere iff it was updated here."""
    return flag


def _emotion_batch() -> tuple[EmotionOutput, Batch]:
    """Row 0 is {0, 1}, row 1 is {1}, row 2 has no emotion labels.

    Predictions: row 0 -> {0, 2}, row 1 -> {1}, row 2 -> every label (if row 2 leaked
    into the metric it would add 28 false positives).
    """
    batch = collate(
        [
            record("a", "One.", emotion=emotion_multi_hot(0, 1)),
            record("b", "Two.", emotion=emotion_multi_hot(1)),
            record("c", "Three."),
        ]
    )
    logits = torch.full((3, 28), -BIG)
    logits[0, [0, 2]] = BIG
    logits[1, 1] = BIG
    logits[2] = BIG
    return EmotionOutput(logits), batch


def test_emotion_f1_by_hand_and_masked_rows_excluded() -> None:
    out, batch = _emotion_batch()
    metrics = _metrics("emotion")
    _update(metrics, out, batch, None)
    results = metrics.compute(_same)
    # Per label: 0 -> tp 1 (F1 1); 1 -> tp 1, fn 1 (F1 2/3); 2 -> fp 1 (F1 0); the other 25
    # labels have no positives and no predictions (F1 0, as in sklearn and torchmetrics).
    macro = (1.0 + 2.0 / 3.0 + 0.0) / 28
    # Micro: tp 2, fp 1, fn 1 -> 2 * 2 / (2 * 2 + 1 + 1).
    micro = 4.0 / 6.0
    assert results["val/emotion/macro_f1"].item() == pytest.approx(macro, abs=1e-6)
    assert results["val/emotion/micro_f1"].item() == pytest.approx(micro, abs=1e-6)


def test_metrics_without_labelled_rows_are_not_reported() -> None:
    _, batch = _emotion_batch()  # only emotion labels in the batch
    out = random_output(batch)
    results = {}
    for task in BUILT_IN_TASKS:
        metrics = _metrics(task)
        _update(metrics, out[task], batch, torch.tensor(0.5) if task == "emotion" else None)
        results |= metrics.compute(_same)
    # Only emotion had labels (and only emotion's loss was given); nothing else appears.
    assert set(results) == {"val/emotion/macro_f1", "val/emotion/micro_f1", "val/emotion/loss"}


def test_compute_resets() -> None:
    out, batch = _emotion_batch()
    metrics = _metrics("emotion", "train")
    _update(metrics, out, batch, None)
    assert metrics.compute(_same)
    assert metrics.compute(_same) == {}


def test_losses_are_averaged_over_batches() -> None:
    out, batch = _emotion_batch()
    metrics = _metrics("emotion", "test")
    _update(metrics, out, batch, torch.tensor(1.0))
    _update(metrics, out, batch, torch.tensor(3.0))
    results = metrics.compute(_same)
    assert results["test/emotion/loss"].item() == pytest.approx(2.0)


def test_other_tasks_by_hand() -> None:
    batch = collate(
        [
            record(
                "a",
                "One.",
                counterfactual="One, otherwise.",
                bentham=[0.5] * 10,
                acceptability=1.0,
                utility_pref=1.0,
                regret=0.8,
                surd=[0.25] * 4,
            ),
            record("b", "Two.", counterfactual="Two, otherwise.", utility_pref=1.0, regret=0.2),
            record("c", "Three.", acceptability=0.0),
        ]
    )
    outputs = {
        "bentham": BenthamOutput(
            factors=torch.full((3, 10), 0.7),  # |0.7 - 0.5| = 0.2 on row 0's factors
            utility=torch.tensor([1.0, 0.0, 9.0]),
            acceptability_logit=torch.tensor([BIG, 0.0, BIG]),  # row 0 right, row 2 wrong
            cf_utility=torch.tensor([0.0, 1.0]),  # row 0 beats its cf (right), row 1 not (wrong)
        ),
        "regret": RegretOutput(
            torch.tensor([BIG, BIG, 0.0])
        ),  # 0.8 -> yes (right), 0.2 -> yes (wrong)
        "surd": SurdOutput(torch.tensor([[1.0, 1.0, 1.0, 5.0], [0.0] * 4, [0.0] * 4])),
    }
    results = {}
    for task, out in outputs.items():
        metrics = _metrics(task)
        _update(metrics, out, batch, None)
        results |= {k: v.item() for k, v in metrics.compute(_same).items()}
    assert results["val/bentham/factors_mae"] == pytest.approx(0.2)
    assert results["val/bentham/utility_pair_acc"] == pytest.approx(0.5)
    assert results["val/bentham/acceptability_acc"] == pytest.approx(0.5)
    assert results["val/regret/acc"] == pytest.approx(0.5)
    # sigmoid(8) = 0.99966: |0.99966 - 0.8| and |0.99966 - 0.2|.
    s = 1 / (1 + torch.exp(torch.tensor(-BIG))).item()
    assert results["val/regret/mae"] == pytest.approx(((s - 0.8) + (s - 0.2)) / 2, abs=1e-6)
    # Row 0's shares normalise to (1/8, 1/8, 1/8, 5/8) against 1/4 each.
    assert results["val/surd/mae"] == pytest.approx((3 * 0.125 + 0.375) / 4)


def test_utility_predictions_follow_cf_index() -> None:
    batch = collate(
        [
            record("a", "One."),  # no counterfactual: not a pair
            record("b", "Two.", counterfactual="Other.", utility_pref=0.0),
        ]
    )
    out = BenthamOutput(
        factors=torch.zeros(2, 10),
        utility=torch.tensor([5.0, 0.0]),
        acceptability_logit=torch.zeros(2),
        cf_utility=torch.tensor([0.0]),
    )
    readout = READOUTS["bentham"]
    pred, target = readout.predictions("utility_pref", out, batch, readout.probabilities(out))
    # One pair (row 1): P(text preferred) = sigmoid(0 - 0) = 0.5, target 0.
    assert pred.tolist() == [0.5]
    assert target.tolist() == [0.0]


@pytest.mark.parametrize("task", BUILT_IN_TASKS)
def test_kept_batches_give_the_same_values_as_batch_by_batch_updates(task: str) -> None:
    batch = full_batch()
    outputs = [random_output(batch, seed=s)[task] for s in range(5)]
    results = []
    for flush_every in (1, 3, 32):
        metrics = _metrics(task, "train", flush_every=flush_every)
        for i, out in enumerate(outputs):
            _update(metrics, out, batch, torch.tensor(float(i)))
        results.append(metrics.compute(_same))
    assert results[0][f"train/{task}/loss"] == pytest.approx(2.0)  # the mean of 0..4
    for other in results[1:]:
        assert other.keys() == results[0].keys()
        for key, value in results[0].items():
            assert other[key] == pytest.approx(float(value), abs=1e-6), key


def test_every_metric_kind_says_which_end_is_best() -> None:
    # W&B summaries keep the best validation value; a new kind must say max or min.
    assert set(METRIC_BEST) == set(METRIC_KINDS)
    assert set(METRIC_BEST.values()) <= {"max", "min"}
