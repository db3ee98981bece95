"""How the task losses combine into the one that is optimised (``loss/weighting``).

* ``fixed``: ``sum_t w_t L_t`` with a configured weight per task.
* ``equal``: ``sum_t L_t / T`` over the ``T`` configured tasks.
* ``uncertainty``: homoscedastic uncertainty weights (Kendall et al., 2018),
  ``sum_t exp(-s_t) L_t + s_t`` with one learned ``s_t = log sigma_t^2`` per task.

A task without labels in a batch is absent from the losses and adds nothing; with no
task present the total is None.
"""

from __future__ import annotations

import torch
from torch import nn


class LossWeighting(nn.Module):
    """Args: tasks: the configured tasks (``model.config.tasks``)."""

    def __init__(self, tasks: list[str] | tuple[str, ...]) -> None:
        super().__init__()
        if not tasks:
            raise ValueError("loss weighting needs at least one task")
        self.tasks = tuple(tasks)

    def forward(self, losses: dict[str, torch.Tensor]) -> torch.Tensor | None:
        unknown = sorted(set(losses) - set(self.tasks))
        if unknown:
            raise KeyError(f"losses for task(s) {unknown} not configured in {list(self.tasks)}")
        if not losses:
            return None
        return torch.stack([self.term(task, loss) for task, loss in losses.items()]).sum()

    def term(self, task: str, loss: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class FixedWeighting(LossWeighting):
    """Args: weights: task -> weight; every configured task needs one."""

    def __init__(self, tasks: list[str] | tuple[str, ...], weights: dict[str, float]) -> None:
        super().__init__(tasks)
        missing = [t for t in self.tasks if t not in weights]
        if missing:
            raise ValueError(f"loss.weighting.weights has no weight for task(s) {missing}")
        self.weights = {t: float(weights[t]) for t in self.tasks}

    def term(self, task: str, loss: torch.Tensor) -> torch.Tensor:
        return self.weights[task] * loss


class EqualWeighting(LossWeighting):
    def term(self, task: str, loss: torch.Tensor) -> torch.Tensor:
        return loss / len(self.tasks)


class UncertaintyWeighting(LossWeighting):
    def __init__(self, tasks: list[str] | tuple[str, ...]) -> None:
        super().__init__(tasks)
        self.log_vars = nn.ParameterDict({t: nn.Parameter(torch.zeros(())) for t in self.tasks})

    def term(self, task: str, loss: torch.Tensor) -> torch.Tensor:
        s = self.log_vars[task]
        return torch.exp(-s) * loss + s
