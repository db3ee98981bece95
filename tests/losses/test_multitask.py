"""MultiTaskLoss: masking, weighting schemes, counterfactual rows and config errors."""

from __future__ import annotations

import math

import pytest
import torch
from tests.helpers import (
    ROW_OUTPUTS,
    all_labels,
    collate,
    emotion_multi_hot,
    full_batch,
    random_output,
    record,
)

from redheart_lit.losses import (
    MultiTaskLoss,
    binary_focal_loss,
    bradley_terry_loss,
    huber_loss,
    mse_extreme_loss,
    surd_simplex_loss,
)
from redheart_lit.model import RedHeartOutput
from redheart_lit.tasks import TASK_NAMES

ONES = dict.fromkeys(TASK_NAMES, 1.0)
FIELDS = ROW_OUTPUTS


def _loss(**kwargs: object) -> MultiTaskLoss:
    kwargs.setdefault("task_weights", ONES)
    return MultiTaskLoss(list(TASK_NAMES), **kwargs)  # type: ignore[arg-type]


def test_rows_without_labels_do_not_change_the_loss() -> None:
    batch = full_batch()  # row 2 has no labels and no counterfactual
    out = random_output(batch)
    before = _loss()(out, batch)
    for name in FIELDS:
        value = getattr(out, name).clone()
        value[2] = 1e4 if name != "emotion_logits" else -1e4
        setattr(out, name, value)
    after = _loss()(out, batch)
    assert after.total is not None
    assert before.total is not None
    assert after.total.item() == before.total.item()
    assert {t: v.item() for t, v in after.tasks.items()} == {
        t: v.item() for t, v in before.tasks.items()
    }


def test_nan_labels_of_masked_rows_never_leak() -> None:
    batch = full_batch()
    assert torch.isnan(batch.labels["bentham"][2]).all()  # the collator's NaN placeholders
    out = random_output(batch, requires_grad=True)
    result = _loss()(out, batch)
    assert result.total is not None
    assert math.isfinite(result.total.item())
    result.total.backward()
    for name in FIELDS:
        grad = getattr(out, name).grad
        assert torch.isfinite(grad).all(), name
        # The unlabelled row gets exactly no gradient.
        assert (grad[2] == 0).all(), name


def test_task_losses_are_the_task_loss_functions_on_labelled_rows() -> None:
    batch = full_batch()
    out = random_output(batch)
    tasks = _loss()(out, batch).tasks
    rows = [0, 1]  # the labelled rows
    labels = batch.labels
    assert tasks["emotion"].item() == pytest.approx(
        binary_focal_loss(out.emotion_logits[rows], labels["emotion"][rows], 2.0).item()
    )
    bentham = (
        mse_extreme_loss(out.bentham_factors[rows], labels["bentham"][rows], 1.0)
        + bradley_terry_loss(out.utility[:1], out.cf_utility, torch.tensor([1.0]))
        + torch.nn.functional.binary_cross_entropy_with_logits(
            out.acceptability_logit[rows], labels["acceptability"][rows]
        )
    )
    assert tasks["bentham"].item() == pytest.approx(bentham.item())
    assert tasks["regret"].item() == pytest.approx(
        huber_loss(torch.sigmoid(out.regret_logit[rows]), labels["regret"][rows], 0.5).item()
    )
    assert tasks["surd"].item() == pytest.approx(
        surd_simplex_loss(out.surd_raw[rows], labels["surd"][rows], 0.1).item()
    )


def test_regret_is_huber_on_the_sigmoid_by_hand() -> None:
    batch = collate([record("a", "Text.", regret=0.1)])
    out = RedHeartOutput(regret_logit=torch.tensor([0.0]))
    result = MultiTaskLoss(["regret"], task_weights={"regret": 1.0})(out, batch)
    # sigmoid(0) = 0.5; |0.5 - 0.1| = 0.4 < delta 0.5: 0.5 * 0.4^2 = 0.08.
    assert result.tasks["regret"].item() == pytest.approx(0.08)


def test_fixed_weighting_by_hand() -> None:
    batch = full_batch()
    out = random_output(batch)
    weights = {"emotion": 2.0, "bentham": 0.5, "regret": 3.0, "surd": 0.25}
    result = _loss(weighting="fixed", task_weights=weights)(out, batch)
    tasks = {t: v.item() for t, v in result.tasks.items()}
    expected = (
        2.0 * tasks["emotion"]
        + 0.5 * tasks["bentham"]
        + 3.0 * tasks["regret"]
        + 0.25 * tasks["surd"]
    )
    assert result.total is not None
    assert result.total.item() == pytest.approx(expected)


def test_equal_weighting_divides_by_the_number_of_selected_tasks() -> None:
    # No SURD labels in this batch: the three present losses are still divided by 4.
    labels = all_labels()
    del labels["surd"]
    batch = collate([record("a", "Text.", **labels)])
    out = random_output(batch)
    result = MultiTaskLoss(list(TASK_NAMES), weighting="equal")(out, batch)
    assert set(result.tasks) == {"emotion", "bentham", "regret"}
    expected = sum(v.item() for v in result.tasks.values()) / 4
    assert result.total is not None
    assert result.total.item() == pytest.approx(expected)


def test_uncertainty_weighting_by_hand() -> None:
    batch = full_batch()
    out = random_output(batch)
    loss = MultiTaskLoss(list(TASK_NAMES), weighting="uncertainty")
    log_vars = {"emotion": 0.1, "bentham": -0.2, "regret": 0.3, "surd": 0.0}
    with torch.no_grad():
        for task, s in log_vars.items():
            loss.log_vars[task].fill_(s)
    result = loss(out, batch)
    tasks = {t: v.item() for t, v in result.tasks.items()}
    # total = sum_t exp(-s_t) L_t + s_t
    expected = sum(math.exp(-s) * tasks[t] + s for t, s in log_vars.items())
    assert result.total is not None
    assert result.total.item() == pytest.approx(expected, rel=1e-5)
    # The log-variances are learned: they receive gradients.
    result.total.backward()
    assert all(p.grad is not None for p in loss.log_vars.values())


def test_only_uncertainty_weighting_has_parameters() -> None:
    assert not list(_loss(weighting="fixed").parameters())
    assert not list(_loss(weighting="equal").parameters())
    assert len(list(_loss(weighting="uncertainty").parameters())) == 4


def test_batch_without_labels_has_no_total() -> None:
    batch = collate([record("a", "Nothing."), record("b", "Nor here.")])
    result = _loss()(random_output(batch), batch)
    assert result.total is None
    assert result.tasks == {}


def test_utility_pref_uses_only_counterfactual_rows() -> None:
    # Row 0 has a counterfactual and a preference; row 1 has neither.
    batch = collate(
        [
            record("a", "Kept it.", counterfactual="Gave it back.", utility_pref=0.0),
            record("b", "Other text.", acceptability=1.0),
        ]
    )
    out = RedHeartOutput(
        bentham_factors=torch.full((2, 10), 0.5),
        utility=torch.tensor([0.4, 5.0]),
        cf_utility=torch.tensor([1.2]),
        acceptability_logit=torch.tensor([0.0, 0.0]),
    )
    loss = MultiTaskLoss(["bentham"], task_weights={"bentham": 1.0})
    # B preferred: log(1 + exp(ua - ub)) with ua - ub = 0.4 - 1.2; plus BCE at logit 0 = log 2.
    expected = math.log(1 + math.exp(0.4 - 1.2)) + math.log(2)
    assert loss(out, batch).tasks["bentham"].item() == pytest.approx(expected)
    # Row 1's utility has no counterfactual to compare with: it must not matter.
    out.utility = torch.tensor([0.4, -50.0])
    assert loss(out, batch).tasks["bentham"].item() == pytest.approx(expected)


def test_bentham_part_weights() -> None:
    batch = collate(
        [
            record(
                "a", "Kept it.", counterfactual="Gave it back.", utility_pref=1.0, acceptability=0.0
            )
        ]
    )
    out = RedHeartOutput(
        bentham_factors=torch.full((1, 10), 0.5),
        utility=torch.tensor([0.0]),
        cf_utility=torch.tensor([0.0]),
        acceptability_logit=torch.tensor([0.0]),
    )
    loss = MultiTaskLoss(
        ["bentham"],
        task_weights={"bentham": 1.0},
        bentham_weights={"utility_pref": 2.0, "acceptability": 0.5},
    )
    # Both parts cost log 2 at zero logits: 2 log 2 + 0.5 log 2.
    assert loss(out, batch).tasks["bentham"].item() == pytest.approx(2.5 * math.log(2))


def test_task_subset_ignores_other_outputs_and_labels() -> None:
    batch = collate([record("a", "Happy.", **all_labels())])
    # Only the emotion output exists, as with model.config.tasks=[emotion].
    out = RedHeartOutput(emotion_logits=torch.zeros(1, 28))
    result = MultiTaskLoss(["emotion"], task_weights={"emotion": 1.0})(out, batch)
    assert set(result.tasks) == {"emotion"}
    assert result.total is not None
    # Every one of the 28 logits is 0: 0.25 log 2 each.
    assert result.total.item() == pytest.approx(0.25 * math.log(2))


def test_emotion_only_rows_do_not_need_other_outputs_labelled() -> None:
    batch = collate([record("a", "Happy.", emotion=emotion_multi_hot(17))])
    result = _loss()(random_output(batch), batch)
    assert set(result.tasks) == {"emotion"}


def test_unknown_weighting_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"loss\.weighting='softmax'"):
        MultiTaskLoss(list(TASK_NAMES), weighting="softmax")


def test_missing_task_weight_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"loss\.task_weights.*\['surd'\]"):
        MultiTaskLoss(list(TASK_NAMES), task_weights=dict.fromkeys(TASK_NAMES[:3], 1.0))


def test_unknown_bentham_part_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"loss\.bentham_weights.*\['utility'\]"):
        _loss(bentham_weights={"utility": 1.0})


def test_unknown_task_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown task\(s\) \['valence'\]"):
        MultiTaskLoss(["valence"], task_weights={"valence": 1.0})
