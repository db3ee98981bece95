"""MultiTaskNet: the trunk and the task readouts as one plain ``nn.Module``.

The inference-time twin of :class:`~redheart_lit.tasks.multitask.MultiTaskModule`, with
the same weights and no Lightning: an exported bundle is this module's state dict.
Keys: ``trunk.*`` and ``readouts.<task>.*``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import Trunk
from redheart_lit.tasks.readout.base import build_readout
from redheart_lit.tasks.spec import reads_counterfactual, reads_kalman


class MultiTaskNet(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        tasks = config.tasks
        self.trunk = Trunk(
            config, counterfactuals=reads_counterfactual(tasks), kalman=reads_kalman(tasks)
        )
        self.readouts = nn.ModuleDict({name: build_readout(name, config) for name in tasks})

    def forward(self, batch: Batch) -> dict[str, Any]:
        """Task -> its readout's output for ``batch``."""
        shared = self.trunk(batch)
        return {name: readout(shared) for name, readout in self.readouts.items()}

    def probabilities(self, outputs: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Label key -> calibrated probabilities, over every task's sigmoid outputs."""
        result: dict[str, torch.Tensor] = {}
        for name, readout in self.readouts.items():
            result |= readout.probabilities(outputs[name])
        return result
