"""Loss functions, one file per family, and the task weighting.

Each task's loss is chosen by its own config group (``conf/loss/<task>/``), the weighting
by ``conf/loss/weighting/``. A loss module is called ``loss(prediction, target)`` on the
labelled rows only; ``takes_logits`` says whether it wants logits or values in [0, 1].
"""

from redheart_lit.losses.asymmetric import AsymmetricLoss
from redheart_lit.losses.bce import BCELoss
from redheart_lit.losses.focal import FocalLoss, binary_focal_loss
from redheart_lit.losses.ranking import bradley_terry_loss
from redheart_lit.losses.regression import (
    HuberLoss,
    MSELoss,
    MSEPenaltyLoss,
    huber_loss,
    mse_extreme_loss,
)
from redheart_lit.losses.simplex import SimplexKLLoss, SimplexMSELoss, surd_simplex_loss
from redheart_lit.losses.weighting import (
    EqualWeighting,
    FixedWeighting,
    LossWeighting,
    UncertaintyWeighting,
)

__all__ = [
    "AsymmetricLoss",
    "BCELoss",
    "EqualWeighting",
    "FixedWeighting",
    "FocalLoss",
    "HuberLoss",
    "LossWeighting",
    "MSELoss",
    "MSEPenaltyLoss",
    "SimplexKLLoss",
    "SimplexMSELoss",
    "UncertaintyWeighting",
    "binary_focal_loss",
    "bradley_terry_loss",
    "huber_loss",
    "mse_extreme_loss",
    "surd_simplex_loss",
]
