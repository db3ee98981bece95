"""Task losses and the loss mix."""

from redheart_lit.losses.focal import binary_focal_loss
from redheart_lit.losses.multitask import LossOutput, MultiTaskLoss
from redheart_lit.losses.ranking import bradley_terry_loss
from redheart_lit.losses.regression import huber_loss, mse_extreme_loss
from redheart_lit.losses.simplex import surd_simplex_loss

__all__ = [
    "LossOutput",
    "MultiTaskLoss",
    "binary_focal_loss",
    "bradley_terry_loss",
    "huber_loss",
    "mse_extreme_loss",
    "surd_simplex_loss",
]
