"""Korean composites: explicit weights, hand values, and the doc that explains them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redheart_lit.evaluation.korean import COMPOSITE_NAMES, KOREAN_COMPOSITES, korean_composites
from redheart_lit.tasks.spec import EMOTION_LABELS

ID = {name: i for i, name in enumerate(EMOTION_LABELS)}
DOC = Path(__file__).resolve().parents[2] / "docs" / "korean_composites.md"


def test_weights_name_goemotions_labels_and_sum_to_one() -> None:
    assert COMPOSITE_NAMES == ("jeong", "han", "chemyeon")
    for weights in KOREAN_COMPOSITES.values():
        assert set(weights) <= set(EMOTION_LABELS)
        assert sum(weights.values()) == pytest.approx(1.0)
        assert all(w > 0 for w in weights.values())


def test_composites_by_hand() -> None:
    p = np.zeros((3, 28))
    p[0, ID["caring"]] = 1.0  # jeong 0.35
    p[1, ID["sadness"]], p[1, ID["grief"]] = 0.8, 0.4  # han 0.25 * 0.8 + 0.25 * 0.4
    p[2] = 1.0  # every emotion at 1: every composite at 1
    values = korean_composites(p)
    assert values.shape == (3, 3)
    assert values[0].tolist() == pytest.approx([0.35, 0.0, 0.0])
    assert values[1].tolist() == pytest.approx([0.0, 0.3, 0.0])
    assert values[2].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[N, 28\]"):
        korean_composites(np.zeros((2, 27)))


def test_doc_lists_every_weight() -> None:
    text = DOC.read_text()
    for name, weights in KOREAN_COMPOSITES.items():
        assert f"`{name}`" in text
        for label, weight in weights.items():
            assert f"| {label} | {weight:.2f} |" in text, f"{name}: {label} {weight} not in {DOC}"
