"""Figures of a model's predictions, one file per task; shared by training and ``eval.py``.

Every function takes the numpy arrays :func:`redheart_lit.evaluation.run.predict` returns
(label key -> predictions and targets of the labelled rows) and returns matplotlib
figures keyed ``<task>/<name>``. The training dashboards (``training/dashboards/``) log
them to W&B and TensorBoard and write them as PNG files; ``eval.py`` puts them into
``report.md``. The numbers drawn come from the same metric functions as the metrics
(``evaluation/classification.py``, ``ekman.py``, ``calibration_error.py``), so a figure
and a logged metric cannot disagree.
"""

from __future__ import annotations

from redheart_lit.evaluation.figures.all_tasks import FIGURE_TITLES, task_figures
from redheart_lit.evaluation.figures.render import png_bytes, save_png, to_rgb

__all__ = ["FIGURE_TITLES", "png_bytes", "save_png", "task_figures", "to_rgb"]
