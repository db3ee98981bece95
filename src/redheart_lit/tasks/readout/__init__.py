"""Each task's network part, without Lightning: what an exported bundle loads.

Importing this package registers the four built-in readouts in :data:`READOUTS`.
"""

from redheart_lit.tasks.readout.base import READOUTS, TaskReadout, build_readout
from redheart_lit.tasks.readout.bentham import BenthamOutput, BenthamReadout
from redheart_lit.tasks.readout.emotion import EmotionOutput, EmotionReadout
from redheart_lit.tasks.readout.net import MultiTaskNet
from redheart_lit.tasks.readout.regret import RegretOutput, RegretReadout
from redheart_lit.tasks.readout.surd import SurdOutput, SurdReadout

__all__ = [
    "READOUTS",
    "BenthamOutput",
    "BenthamReadout",
    "EmotionOutput",
    "EmotionReadout",
    "MultiTaskNet",
    "RegretOutput",
    "RegretReadout",
    "SurdOutput",
    "SurdReadout",
    "TaskReadout",
    "build_readout",
]
