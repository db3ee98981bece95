"""The tasks: their table, their Lightning modules and the multitask module over them.

    TASK_MODULES["regret"]     -> RegretTask, a LightningModule
    MultiTaskModule            -> the tasks over one shared trunk
    tasks.spec                 -> the task table (no torch, no Lightning)
    tasks.readout              -> each task's network part (torch only, what bundles load)

The Lightning classes are imported on first use (PEP 562), so that inference and serving,
which read ``tasks.spec`` and ``tasks.readout``, never import Lightning.
"""

from __future__ import annotations

from typing import Any

_LIGHTNING = {
    "TASK_MODULES": "redheart_lit.tasks.base",
    "TaskModule": "redheart_lit.tasks.base",
    "TaskStep": "redheart_lit.tasks.base",
    "MultiTaskModule": "redheart_lit.tasks.multitask",
    "single_task_module": "redheart_lit.tasks.multitask",
    "EmotionTask": "redheart_lit.tasks.emotion",
    "BenthamTask": "redheart_lit.tasks.bentham",
    "RegretTask": "redheart_lit.tasks.regret",
    "SurdTask": "redheart_lit.tasks.surd",
}

__all__ = sorted(_LIGHTNING)


def __getattr__(name: str) -> Any:
    if name not in _LIGHTNING:
        raise AttributeError(f"module 'redheart_lit.tasks' has no attribute {name!r}")
    import importlib

    # The built-in tasks register themselves when their modules are imported.
    from redheart_lit.tasks.spec import BUILT_IN_TASKS

    for task in BUILT_IN_TASKS:
        importlib.import_module(f"redheart_lit.tasks.{task}")
    return getattr(importlib.import_module(_LIGHTNING[name]), name)
