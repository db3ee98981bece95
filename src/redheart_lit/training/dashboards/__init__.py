"""Training and evaluation dashboards: figures, a sample-predictions table and run metadata,
written as files and logged to W&B and TensorBoard (``conf/callbacks/dashboards.yaml``).

* ``callback.py``: :class:`DashboardCallback`, the Lightning callback.
* ``sinks.py``: where the media go (PNG/JSON files, W&B, TensorBoard).
* ``metadata.py``: the run metadata (resolved config, parameter table, peak memory, git).

The figures themselves are drawn by ``evaluation/figures/`` (no Lightning), which
``eval.py`` shares. Docs: ``docs/dashboards.md``.
"""

from redheart_lit.training.dashboards.callback import DashboardCallback

__all__ = ["DashboardCallback"]
