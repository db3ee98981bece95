"""The answer the LLM must give, as pydantic models: its JSON Schema goes into each request.

Every field is required, with no default: an answer that leaves one out fails validation
and is asked again, so nothing is ever filled in for the model. ``null`` is an answer in
its own right where a field may not apply (a text that describes no act has no
acceptability, regret, counterfactual or context) and means "leave the label out".
The field descriptions are the instructions: the system prompt lists them
(``prompts.py``), so the schema and the prompt cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from redheart_lit.llm import schema as shared
from redheart_lit.llm.schema import (
    CONTEXT_HELP,
    COUNTERFACTUAL_HELP,
    EthicalContext,
    Strict,
    Text,
    Unit,
)
from redheart_lit.tasks.spec import BENTHAM_FACTORS, EMOTION_LABELS

# Sent as json_schema.name in response_format.
SCHEMA_NAME = "redheart_labels"
# Goes with each request: the answer must not depend on the row in any other way.
CONTEXT_KEY = "given_counterfactual"

# An int type, not Literal[0, 1]: a Literal lets 1.0 and true through (they equal 1), and
# the record schema refuses both.
Binary = Annotated[int, Field(ge=0, le=1)]
EmotionName = Literal[EMOTION_LABELS]  # type: ignore[valid-type]

_BENTHAM_HELP = {
    "intensity": "how strong the pleasure or pain is",
    "duration": "how long it lasts",
    "certainty": "how sure it is to follow",
    "propinquity": "how soon it comes",
    "fecundity": "the chance it leads to more of the same feeling",
    "purity": "the chance it is not followed by the opposite feeling",
    "extent": "how many people it reaches (0 = only the author)",
    "external_cost": "harm done to others",
    "redistribution_effect": "how much it moves goods toward those who need them",
    "self_damage": "harm the author does to themself",
}
assert tuple(_BENTHAM_HELP) == BENTHAM_FACTORS


class EmotionScore(Strict):
    label: EmotionName = Field(description="a GoEmotions label")
    confidence: Unit = Field(description="your probability that the label applies, 0 to 1")


class BenthamScores(Strict):
    """The ten factors of ``tasks.spec.BENTHAM_FACTORS``, each in [0, 1]."""

    intensity: Unit = Field(description=_BENTHAM_HELP["intensity"])
    duration: Unit = Field(description=_BENTHAM_HELP["duration"])
    certainty: Unit = Field(description=_BENTHAM_HELP["certainty"])
    propinquity: Unit = Field(description=_BENTHAM_HELP["propinquity"])
    fecundity: Unit = Field(description=_BENTHAM_HELP["fecundity"])
    purity: Unit = Field(description=_BENTHAM_HELP["purity"])
    extent: Unit = Field(description=_BENTHAM_HELP["extent"])
    external_cost: Unit = Field(description=_BENTHAM_HELP["external_cost"])
    redistribution_effect: Unit = Field(description=_BENTHAM_HELP["redistribution_effect"])
    self_damage: Unit = Field(description=_BENTHAM_HELP["self_damage"])


class LabelAnswer(Strict):
    """One text's labels. Validate with :func:`validate_answer`, which passes the row."""

    emotions: list[EmotionScore] = Field(
        min_length=1,
        description="every GoEmotions label the author expresses, each once; "
        "neutral alone when no emotion is expressed",
    )
    bentham: BenthamScores = Field(
        description="Bentham's hedonic calculus of what the text describes, each 0 to 1"
    )
    acceptability: Binary | None = Field(
        description="1 if the act is morally acceptable, 0 if not; null if no act is described"
    )
    regret: Unit | None = Field(
        description="how much the one who acts would regret it, 0 to 1; null if no act"
    )
    counterfactual: Text | None = Field(
        description=f"if no counterfactual is given: {COUNTERFACTUAL_HELP}. "
        "If a counterfactual is given: null"
    )
    utility_pref: Binary | None = Field(
        description="1 if the text's scenario is more pleasant for those involved than the "
        "counterfactual's (the given one, else yours), 0 if not; null exactly when there is "
        "no counterfactual"
    )
    context: EthicalContext | None = Field(description=CONTEXT_HELP)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> LabelAnswer:
        names = [e.label for e in self.emotions]
        if repeated := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"emotions: each label once; repeated {repeated}")
        given = bool((info.context or {}).get(CONTEXT_KEY, False))
        if given and self.counterfactual is not None:
            raise ValueError("counterfactual: a counterfactual was given; answer null")
        has_counterfactual = given or self.counterfactual is not None
        if has_counterfactual and self.utility_pref is None:
            raise ValueError("utility_pref: there is a counterfactual; answer 0 or 1")
        if not has_counterfactual and self.utility_pref is not None:
            raise ValueError("utility_pref: there is no counterfactual; answer null")
        return self

    def emotion_ids(self) -> list[int]:
        """The labels as GoEmotions ids, in the order given."""
        return [EMOTION_LABELS.index(e.label) for e in self.emotions]


def answer_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`LabelAnswer`."""
    return LabelAnswer.model_json_schema()


def response_format() -> dict[str, Any]:
    """The ``response_format`` of each request: structured output with the answer schema."""
    return shared.response_format(LabelAnswer, SCHEMA_NAME)


def schema_digest() -> str:
    """The schema as canonical JSON: part of the cache key."""
    return shared.schema_digest(LabelAnswer)


def validate_answer(content: str, given_counterfactual: bool) -> LabelAnswer:
    """Parse and validate the model's answer; raises :class:`pydantic.ValidationError`."""
    return LabelAnswer.model_validate_json(content, context={CONTEXT_KEY: given_counterfactual})
