"""Pairwise ranking loss for "A is more pleasant than B" judgements."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bradley_terry_loss(
    utility_a: torch.Tensor, utility_b: torch.Tensor, a_preferred: torch.Tensor
) -> torch.Tensor:
    """Bradley-Terry negative log-likelihood, ``P(A > B) = sigmoid(u_A - u_B)``.

    Args:
        utility_a, utility_b: ``[N]`` utilities of the two sides of each pair.
        a_preferred: ``[N]`` 1.0 where humans judged A more pleasant, 0.0 where B.
    """
    return F.binary_cross_entropy_with_logits((utility_a - utility_b).float(), a_preferred.float())
