"""Cultural ethics weights: how ``culture=none|western|eastern|korean`` reweights the
Bentham utility (docs/culture.md explains every number).

**A documented design choice, not learned from data.** No dataset here pairs texts with
cultural judgements, so nothing in these tables was fitted or validated. They encode the
design's three sketches (western: individual focus; eastern: collective harmony;
Korean: Confucian values) as explicit, small, reviewable multipliers, so that a user can
see, question and change them.

How they apply. The model's utility is a learned signed sum of the ten factors
(``tasks/readout/bentham.py``)::

    u = sum_k w_k * f_k                      (w: the bundle's utility_weights)

A culture multiplies each factor's learned weight by its multiplier ``m_k`` (> 0, so no
factor changes sign, and a harm stays a harm)::

    u_culture = sum_k (m_k * w_k) * f_k

``none`` is every ``m_k = 1``: exactly the model's utility. The factors themselves are
not changed; only how much each counts in the utility.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from redheart_lit.tasks.spec import BENTHAM_FACTORS

# Multipliers per factor; a factor not named is 1.0 (unchanged). Each row's reason is in
# docs/culture.md, "The tables", in the same order.
CULTURE_WEIGHTS: dict[str, dict[str, float]] = {
    "none": {},
    # Individual focus: the agent's own experience and autonomy; others count through
    # harm done to them (the harm principle), less through the group as a whole.
    "western": {
        "intensity": 1.2,  # how strongly the individual feels it
        "certainty": 1.1,  # an individual's reasonable expectation of the outcome
        "extent": 0.9,  # reach over many people counts a little less
        "external_cost": 1.2,  # harm to others: the harm principle
        "redistribution_effect": 0.9,  # group redistribution is not the focus
        "self_damage": 0.8,  # self-regarding acts are the agent's own business
    },
    # Collective harmony: effects on the group, its balance and the long run.
    "eastern": {
        "intensity": 0.9,  # momentary strength of feeling counts a little less
        "duration": 1.1,  # lasting effects over passing ones
        "propinquity": 0.9,  # the long view over the immediate
        "purity": 1.1,  # an outcome not followed by discord
        "extent": 1.3,  # how many people it reaches
        "external_cost": 1.2,  # harm to others disturbs the group's harmony
        "redistribution_effect": 1.3,  # goods moving toward those who need them
    },
    # Confucian values: face (chemyeon), duty in relationships, lasting bonds.
    "korean": {
        "intensity": 0.9,  # restraint: momentary feeling counts a little less
        "duration": 1.2,  # relationships and reputations are long
        "extent": 1.2,  # family and group, not only the individual
        "external_cost": 1.3,  # costs to those one owes a duty to
        "redistribution_effect": 1.1,  # obligations of care within the group
        "self_damage": 1.3,  # damage to one's own face and standing
    },
}
CULTURES: tuple[str, ...] = tuple(CULTURE_WEIGHTS)
# The names as a type, for the request models (pydantic checks a request's "culture").
Culture = Literal["none", "western", "eastern", "korean"]
assert get_args(Culture) == CULTURES

for _name, _table in CULTURE_WEIGHTS.items():
    assert set(_table) <= set(BENTHAM_FACTORS), (_name, set(_table) - set(BENTHAM_FACTORS))
    assert all(m > 0 for m in _table.values()), _name


def check_culture(culture: object, key: str = "culture") -> str:
    """``culture`` if it names a table; else a ValueError naming ``key`` and the choices."""
    if not isinstance(culture, str) or culture not in CULTURE_WEIGHTS:
        raise ValueError(
            f"{key}={culture!r} is not a known culture; choose one of {list(CULTURES)}"
        )
    return culture


def multipliers(culture: str) -> np.ndarray:
    """``[10]`` multipliers of ``culture``, in ``BENTHAM_FACTORS`` order."""
    table = CULTURE_WEIGHTS[check_culture(culture)]
    return np.asarray([table.get(name, 1.0) for name in BENTHAM_FACTORS], dtype=np.float64)


def cultural_utility(factors: np.ndarray, weights: np.ndarray, culture: str) -> np.ndarray:
    """``[N]`` utility of ``[N, 10]`` factors with the ``[10]`` learned ``weights``, each
    weight multiplied by ``culture``'s multiplier. ``none`` gives ``factors @ weights``."""
    factors = np.asarray(factors, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if culture == "none":
        check_culture(culture)
        return factors @ weights
    return factors @ (weights * multipliers(culture))
