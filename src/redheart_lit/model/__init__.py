"""The multitask network: backbone, analyzers, heads and auxiliary modules."""

from redheart_lit.model.config import RedHeartConfig
from redheart_lit.model.redheart import RedHeartModel, RedHeartOutput

__all__ = ["RedHeartConfig", "RedHeartModel", "RedHeartOutput"]
