"""The regret task: regret potential in [0, 1], read against a counterfactual when given.

Readout: ``tasks/readout/regret.py``. Loss: ``conf/loss/regret/`` (Huber by default). A
loss that compares values (Huber, MSE) gets ``sigmoid(logit)``; one that takes logits
(BCE) gets the logit.
"""

from __future__ import annotations

from typing import Any

import torch

from redheart_lit.tasks.base import TaskModule
from redheart_lit.tasks.readout.regret import RegretReadout
from redheart_lit.tasks.spec import REGRET


class RegretTask(TaskModule):
    spec = REGRET
    readout_cls = RegretReadout

    def loss_input(self, out: Any) -> torch.Tensor:
        logit = out.logit.float()
        return logit if getattr(self.loss, "takes_logits", False) else torch.sigmoid(logit)
