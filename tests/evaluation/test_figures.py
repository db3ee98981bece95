"""The evaluation figures: drawn from known arrays, exact where they count, never blank."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.helpers import assert_png_not_blank

from redheart_lit.evaluation.ekman import EKMAN_LABELS
from redheart_lit.evaluation.figures import FIGURE_TITLES, save_png, task_figures
from redheart_lit.evaluation.figures.emotion import ekman_confusion, frequent_and_rare
from redheart_lit.tasks.spec import EMOTION_LABELS


def _labelled(rng: np.random.Generator, n: int = 60) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    y = (rng.random((n, 28)) < 0.15).astype(float)
    p = np.clip(0.6 * y + 0.4 * rng.random((n, 28)), 0, 1)
    shares = rng.dirichlet(np.ones(4), n)
    return {
        "emotion": (p, y),
        "utility_pref": (rng.normal(size=20), (rng.random(20) < 0.5).astype(float)),
        "acceptability": (rng.random(n), (rng.random(n) < 0.5).astype(float)),
        "bentham": (rng.random((n, 10)), rng.random((n, 10))),
        "regret": (rng.random(n), rng.random(n)),
        "surd": (rng.dirichlet(np.ones(4), n), shares),
    }


def test_every_figure_is_drawn_and_not_blank(tmp_path: Path) -> None:
    figures = task_figures(_labelled(np.random.default_rng(0)), np.full(28, 0.4))
    assert list(figures) == list(FIGURE_TITLES)
    for key, figure in figures.items():
        assert_png_not_blank(save_png(figure, tmp_path / f"{key.replace('/', '_')}.png"))


def test_only_tasks_with_labelled_rows_get_figures() -> None:
    labelled = _labelled(np.random.default_rng(1))
    figures = task_figures({"regret": labelled["regret"]}, None)
    assert list(figures) == ["regret/scatter"]


def test_ekman_confusion_counts_single_group_rows_by_highest_group_score() -> None:
    joy, anger, fear = (EMOTION_LABELS.index(x) for x in ("joy", "anger", "fear"))
    y = np.zeros((4, 28))
    y[0, joy] = y[1, joy] = y[2, anger] = 1
    y[3, [joy, anger]] = 1  # two groups: left out of the matrix
    p = np.zeros((4, 28))
    p[0, joy] = 0.9  # joy -> joy
    p[1, fear] = 0.8  # joy -> fear
    p[2, anger] = 0.7  # anger -> anger
    counts = ekman_confusion(p, y)[1]
    g = {name: i for i, name in enumerate(EKMAN_LABELS)}
    expected = np.zeros((7, 7), dtype=int)
    expected[g["joy"], g["joy"]] = expected[g["joy"], g["fear"]] = expected[
        g["anger"], g["anger"]
    ] = 1
    assert counts.tolist() == expected.tolist()


@pytest.mark.parametrize(("n", "rare"), [(1, [3]), (2, [3, 2]), (3, [3])])
def test_frequent_and_rare_labels_skip_labels_without_positives(n: int, rare: list[int]) -> None:
    # Positives per label: 10, 5, 2, 1, then none; the rare ones never repeat a frequent one.
    y = np.zeros((10, 28))
    y[:, 0] = 1
    y[:5, 1] = 1
    y[:2, 2] = 1
    y[:1, 3] = 1
    assert frequent_and_rare(y, n) == ([0, 1, 2][:n], rare)
