"""The SURD task: synergistic / unique / redundant / leak shares of the ethical label.

Readout: ``tasks/readout/surd.py``. Loss: ``conf/loss/surd/`` (MSE + 0.1 (sum - 1)^2 by
default) on the raw shares before normalisation. Targets come from the exact SURD
decomposition (``redheart_lit.surd.decomposition``).
"""

from __future__ import annotations

from typing import Any

import torch

from redheart_lit.tasks.base import TaskModule
from redheart_lit.tasks.readout.surd import SurdReadout
from redheart_lit.tasks.spec import SURD


class SurdTask(TaskModule):
    spec = SURD
    readout_cls = SurdReadout

    def loss_input(self, out: Any) -> torch.Tensor:
        return out.raw
