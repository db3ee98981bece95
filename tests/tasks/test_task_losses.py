"""Each task's loss on the rows labelled for it: masks, counterfactual rows, hand values."""

from __future__ import annotations

import math
from typing import Any

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
    seed_losses,
    tiny_config,
)

from redheart_lit.data.batch import Batch
from redheart_lit.losses import (
    BCELoss,
    MSELoss,
    MSEPenaltyLoss,
    binary_focal_loss,
    bradley_terry_loss,
    huber_loss,
    mse_extreme_loss,
    surd_simplex_loss,
)
from redheart_lit.tasks import TASK_MODULES
from redheart_lit.tasks.bentham import BenthamLoss
from redheart_lit.tasks.readout import BenthamOutput, EmotionOutput, RegretOutput
from redheart_lit.tasks.spec import BUILT_IN_TASKS

TASKS = {
    name: TASK_MODULES[name](tiny_config(), loss=loss, own_trunk=False)
    for name, loss in seed_losses().items()
}
PARTS = {"factors": 1.0, "utility_pref": 1.0, "acceptability": 1.0}


def _losses(out: dict[str, Any], batch: Batch) -> dict[str, torch.Tensor]:
    """Each task's loss, absent where the batch has no labels for it."""
    losses = {name: task.compute_loss(out[name], batch) for name, task in TASKS.items()}
    return {name: loss for name, loss in losses.items() if loss is not None}


def test_rows_without_labels_do_not_change_the_losses() -> None:
    batch = full_batch()  # row 2 has no labels and no counterfactual
    out = random_output(batch)
    before = _losses(out, batch)
    for task, name in ROW_OUTPUTS:
        value = getattr(out[task], name).clone()
        value[2] = 1e4 if task != "emotion" else -1e4
        setattr(out[task], name, value)
    after = _losses(out, batch)
    assert {t: v.item() for t, v in after.items()} == {t: v.item() for t, v in before.items()}


def test_nan_labels_of_masked_rows_never_leak() -> None:
    batch = full_batch()
    assert torch.isnan(batch.labels["bentham"][2]).all()  # the collator's NaN placeholders
    out = random_output(batch, requires_grad=True)
    total = torch.stack(list(_losses(out, batch).values())).sum()
    assert math.isfinite(total.item())
    total.backward()
    for task, name in ROW_OUTPUTS:
        grad = getattr(out[task], name).grad
        assert torch.isfinite(grad).all(), name
        # The unlabelled row gets exactly no gradient.
        assert (grad[2] == 0).all(), name


def test_task_losses_are_the_loss_functions_on_labelled_rows() -> None:
    batch = full_batch()
    out = random_output(batch)
    losses = _losses(out, batch)
    rows = [0, 1]  # the labelled rows
    labels = batch.labels
    assert losses["emotion"].item() == pytest.approx(
        binary_focal_loss(out["emotion"].logits[rows], labels["emotion"][rows], 2.0).item()
    )
    b = out["bentham"]
    bentham = (
        mse_extreme_loss(b.factors[rows], labels["bentham"][rows], 1.0)
        + bradley_terry_loss(b.utility[:1], b.cf_utility, torch.tensor([1.0]))
        + torch.nn.functional.binary_cross_entropy_with_logits(
            b.acceptability_logit[rows], labels["acceptability"][rows]
        )
    )
    assert losses["bentham"].item() == pytest.approx(bentham.item())
    assert losses["regret"].item() == pytest.approx(
        huber_loss(torch.sigmoid(out["regret"].logit[rows]), labels["regret"][rows], 0.5).item()
    )
    assert losses["surd"].item() == pytest.approx(
        surd_simplex_loss(out["surd"].raw[rows], labels["surd"][rows], 0.1).item()
    )


def test_regret_is_huber_on_the_sigmoid_by_hand() -> None:
    batch = collate([record("a", "Text.", regret=0.1)])
    loss = TASKS["regret"].compute_loss(RegretOutput(torch.tensor([0.0])), batch)
    # sigmoid(0) = 0.5; |0.5 - 0.1| = 0.4 < delta 0.5: 0.5 * 0.4^2 = 0.08.
    assert loss.item() == pytest.approx(0.08)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        # sigmoid(0) = 0.5 against 0.1: (0.5 - 0.1)^2.
        (MSELoss(), 0.16),
        # BCE takes the logit: -(0.1 log 0.5 + 0.9 log 0.5) = log 2.
        (BCELoss(), math.log(2)),
    ],
    ids=["mse", "bce"],
)
def test_regret_loss_choice_reads_logits_or_values(loss: torch.nn.Module, expected: float) -> None:
    task = TASK_MODULES["regret"](tiny_config(), loss=loss, own_trunk=False)
    batch = collate([record("a", "Text.", regret=0.1)])
    assert task.compute_loss(RegretOutput(torch.tensor([0.0])), batch).item() == pytest.approx(
        expected
    )


def _bentham_output(utility: list[float], cf_utility: list[float]) -> BenthamOutput:
    n = len(utility)
    return BenthamOutput(
        factors=torch.full((n, 10), 0.5),
        utility=torch.tensor(utility),
        acceptability_logit=torch.zeros(n),
        cf_utility=torch.tensor(cf_utility),
    )


def test_utility_pref_uses_only_counterfactual_rows() -> None:
    # Row 0 has a counterfactual and a preference; row 1 has neither.
    batch = collate(
        [
            record("a", "Kept it.", counterfactual="Gave it back.", utility_pref=0.0),
            record("b", "Other text.", acceptability=1.0),
        ]
    )
    loss = BenthamLoss(MSEPenaltyLoss(1.0), PARTS)
    # B preferred: log(1 + exp(ua - ub)) with ua - ub = 0.4 - 1.2; plus BCE at logit 0 = log 2.
    expected = math.log(1 + math.exp(0.4 - 1.2)) + math.log(2)
    assert loss(_bentham_output([0.4, 5.0], [1.2]), batch).item() == pytest.approx(expected)
    # Row 1's utility has no counterfactual to compare with: it must not matter.
    assert loss(_bentham_output([0.4, -50.0], [1.2]), batch).item() == pytest.approx(expected)


def test_bentham_part_weights() -> None:
    batch = collate(
        [record("a", "Kept it.", counterfactual="Gave it back.", utility_pref=1.0,
                acceptability=0.0)]
    )  # fmt: skip
    parts = {"factors": 1.0, "utility_pref": 2.0, "acceptability": 0.5}
    loss = BenthamLoss(MSEPenaltyLoss(1.0), parts)
    # Both parts cost log 2 at zero logits: 2 log 2 + 0.5 log 2.
    assert loss(_bentham_output([0.0], [0.0]), batch).item() == pytest.approx(2.5 * math.log(2))


def test_bentham_loss_config_errors_name_the_key() -> None:
    with pytest.raises(ValueError, match=r"part_weights needs exactly .*got \['factors'\]"):
        BenthamLoss(MSEPenaltyLoss(), {"factors": 1.0})
    with pytest.raises(ValueError, match=r"loss\.bentham\.factors must compare values"):
        BenthamLoss(BCELoss(), PARTS)


def test_a_task_without_labelled_rows_has_no_loss() -> None:
    batch = collate([record("a", "Nothing."), record("b", "Nor here.")])
    assert _losses(random_output(batch), batch) == {}


def test_emotion_only_rows_give_only_an_emotion_loss() -> None:
    batch = collate([record("a", "Happy.", emotion=emotion_multi_hot(17))])
    assert set(_losses(random_output(batch), batch)) == {"emotion"}
    # Every one of the 28 logits is 0: focal with gamma 2 costs 0.25 log 2 each.
    loss = TASKS["emotion"].compute_loss(EmotionOutput(torch.zeros(1, 28)), batch)
    assert loss.item() == pytest.approx(0.25 * math.log(2))


def test_every_labelled_task_has_a_loss() -> None:
    batch = collate([record("a", "Text.", **all_labels())])
    assert set(_losses(random_output(batch), batch)) == set(BUILT_IN_TASKS)
