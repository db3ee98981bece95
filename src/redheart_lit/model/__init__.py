"""The network's shared parts: config, blocks, backbone, analyzer, head, trunk, auxiliaries.

Each task's use of them is in ``redheart_lit.tasks.readout``.
"""

from redheart_lit.model.config import ModelConfig
from redheart_lit.model.trunk import SharedStates, Trunk

__all__ = ["ModelConfig", "SharedStates", "Trunk"]
