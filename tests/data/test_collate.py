"""The Collator: NaN + False mask for missing labels, values where present, counterfactuals."""

from __future__ import annotations

import math

import torch
from tests.helpers import all_labels, collate, emotion_multi_hot, full_batch, record

from redheart_lit.data.batch import Batch
from redheart_lit.tasks.spec import labels
from redheart_lit.tokenizer import ByteTokenizer


def _batch_with_gaps() -> Batch:
    """Row 0: emotion only; row 1: every label and a counterfactual; row 2: no labels."""
    return collate(
        [
            record("e", "Just emotion.", emotion=emotion_multi_hot(1, 27)),
            record("all", "Everything here.", counterfactual="Or not.", **all_labels(True)),
            record("none", "Nothing."),
        ]
    )


def test_every_label_key_is_present_with_its_shape() -> None:
    batch = _batch_with_gaps()
    assert set(batch.labels) == set(batch.label_mask) == set(labels())
    for key, spec in labels().items():
        shape = (3, spec.dim) if spec.dim else (3,)
        assert batch.labels[key].shape == shape, key
        assert batch.labels[key].dtype == torch.float32
        assert batch.label_mask[key].shape == (3,)
        assert batch.label_mask[key].dtype == torch.bool


def test_missing_labels_are_nan_and_masked() -> None:
    batch = _batch_with_gaps()
    assert batch.label_mask["emotion"].tolist() == [True, True, False]
    assert batch.label_mask["bentham"].tolist() == [False, True, False]
    assert batch.label_mask["utility_pref"].tolist() == [False, True, False]
    # NaN, never a fake 0, wherever the mask is False.
    for key in labels():
        values, mask = batch.labels[key], batch.label_mask[key]
        assert torch.isnan(values[~mask]).all(), key
        assert not torch.isnan(values[mask]).any(), key


def test_present_labels_keep_their_values() -> None:
    batch = _batch_with_gaps()
    expected = all_labels(True)
    assert batch.labels["emotion"][0].tolist() == emotion_multi_hot(1, 27)
    assert batch.labels["emotion"][1].tolist() == expected["emotion"]
    assert torch.allclose(batch.labels["bentham"][1], torch.tensor(expected["bentham"]))
    assert torch.allclose(batch.labels["surd"][1], torch.tensor(expected["surd"]))
    assert batch.labels["acceptability"][1].item() == 1.0
    assert batch.labels["utility_pref"][1].item() == 1.0
    assert math.isclose(batch.labels["regret"][1].item(), 0.3, rel_tol=1e-6)


def test_text_tokens_and_ids() -> None:
    batch = _batch_with_gaps()
    enc = ByteTokenizer(max_length=96)(["Just emotion.", "Everything here.", "Nothing."])
    assert torch.equal(batch.input_ids, enc.input_ids)
    assert torch.equal(batch.attention_mask, enc.attention_mask)
    assert torch.equal(batch.sentence_ids, enc.sentence_ids)
    assert batch.ids == ["e", "all", "none"]
    assert len(batch) == 3


def test_counterfactual_rows_are_indexed() -> None:
    batch = collate(
        [
            record("a", "First.", counterfactual="First, otherwise."),
            record("b", "Second."),
            record("c", "Third.", counterfactual="Third, otherwise!"),
        ]
    )
    assert batch.cf_index.tolist() == [0, 2]
    assert batch.cf_index.dtype == torch.long
    # cf_* tensors follow cf_index: one row per counterfactual, in order.
    enc = ByteTokenizer(max_length=96)(["First, otherwise.", "Third, otherwise!"])
    assert torch.equal(batch.cf_input_ids, enc.input_ids)
    assert torch.equal(batch.cf_attention_mask, enc.attention_mask)
    assert torch.equal(batch.cf_sentence_ids, enc.sentence_ids)


def test_no_counterfactual_gives_empty_tensors() -> None:
    batch = collate([record("a", "One."), record("b", "Two.")])
    assert batch.cf_index.shape == (0,)
    assert batch.cf_index.dtype == torch.long
    # [0, 1], not [0, 0]: a zero-width sequence would break the backbone's shapes.
    assert batch.cf_input_ids.shape == (0, 1)
    assert batch.cf_input_ids.dtype == torch.long
    assert batch.cf_attention_mask.shape == (0, 1)
    assert batch.cf_attention_mask.dtype == torch.bool
    assert batch.cf_sentence_ids.shape == (0, 1)


def test_batch_to_its_own_device_is_itself_and_to_meta_moves_every_tensor() -> None:
    batch = full_batch()
    assert batch.to("cpu") is batch
    moved = batch.to("meta")
    assert moved is not batch
    assert moved.input_ids.is_meta
    assert moved.cf_sentence_ids.is_meta
    assert all(t.is_meta for t in moved.labels.values())
    assert all(t.is_meta for t in moved.label_mask.values())
    assert moved.ids == batch.ids
    assert batch.input_ids.device.type == "cpu"  # the original is untouched
