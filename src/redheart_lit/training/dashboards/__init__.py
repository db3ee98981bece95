"""Training and evaluation dashboards: figures, a sample-predictions table and run metadata,
written as files and logged to W&B and TensorBoard (``conf/callbacks/dashboards.yaml``).

* ``callback.py``: :class:`DashboardCallback`, the Lightning callback.
* ``sinks.py``: where the media go (PNG/JSON files, W&B, TensorBoard).
* ``metadata.py``: the run metadata (resolved config, parameter table, peak memory, git).
* ``wandb_logger.py``: :class:`TaskFirstWandbLogger` (``logger=wandb``), which sends each
  task's metrics and figures to W&B as ``task/stage/name`` (one W&B section per task),
  with the best validation values as the run summary.

The figures themselves are drawn by ``evaluation/figures/`` (no Lightning), which
``eval.py`` shares. Docs: ``docs/dashboards.md``.
"""

from redheart_lit.training.dashboards.callback import DashboardCallback
from redheart_lit.training.dashboards.wandb_logger import TaskFirstWandbLogger

__all__ = ["DashboardCallback", "TaskFirstWandbLogger"]
