"""The analysis result, typed: one set of pydantic models for the orchestrator, the OpenAPI
schema of ``POST /v1/analyze`` and the MCP tools' output schema.

Each task's section (``analysis.<task>``) is its readout's ``section_model``; this module
puts them together with the encoders' report and the integrated fields
(``inference/integrate.py``). A section is null when the model does not predict its task.
``helping_ai`` is there only when the server's LLM helper is on (``serve.helping_ai``).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from redheart_lit.llm.schema import EthicalContext
from redheart_lit.tasks.readout import READOUTS
from redheart_lit.tasks.spec import task_names

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Signed = Annotated[float, Field(ge=-1.0, le=1.0)]


class AffectEstimate(BaseModel):
    """One modality's affect reading (``redheart_lit.modalities``, docs/multimodal.md)."""

    model_config = ConfigDict(extra="forbid")

    valence: Signed | None = Field(description="null when the modality cannot tell valence")
    arousal: Signed
    confidence: Unit
    ekman: dict[str, Unit] | None = Field(description="7 Ekman probabilities, when given")


class ModalityReport(BaseModel):
    """``analysis.emotion.modalities.<name>``: estimate (null: e.g. no face), features,
    diagnostics (faces found, voiced fraction, signal quality, ...)."""

    model_config = ConfigDict(extra="forbid")

    estimate: AffectEstimate | None
    features: dict[str, float]
    diagnostics: dict[str, Any]


class FusedAffect(BaseModel):
    """``analysis.emotion.modalities.fused``: the late fusion (modalities/fusion.py)."""

    model_config = ConfigDict(extra="forbid")

    valence: Signed | None
    arousal: Signed | None
    ekman: dict[str, Unit] | None
    agreement: Unit | None = Field(description="cross-modal agreement; null below 2 estimates")
    weights: dict[str, float] = Field(description="each estimate's fusion weight")


class Modalities(BaseModel):
    """``analysis.emotion.modalities``: only the modalities given are present."""

    model_config = ConfigDict(extra="forbid")

    text: ModalityReport | None = None
    image: ModalityReport | None = None
    audio: ModalityReport | None = None
    biosignals: ModalityReport | None = None
    fused: FusedAffect | None


class ModalitiesOnly(BaseModel):
    """``analysis.emotion`` of a result without text: the modalities alone."""

    model_config = ConfigDict(extra="forbid")

    modalities: Modalities


class Encoders(BaseModel):
    """``analysis.encoders``: which encoders read the text and how far they agree."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(description="input encoders in order; ['own'] for the byte tokenizer")
    agreement: Unit = Field(description="mean pairwise (1 + cos) / 2 of the encoders; 1 alone")
    fusion_weights: list[Unit] | None = Field(
        description="mean fusion weight of each encoder; null unless the input is fused"
    )
    unk_rate: list[Unit] = Field(
        description="per encoder, the share of the text's tokens its tokenizer could not read "
        "(the encoder unknown-token rate); near 1 means that encoder could not read the text"
    )


class Integrated(BaseModel):
    """``integrated``: fixed formulas of the outputs (docs/inference.md); null when off."""

    model_config = ConfigDict(extra="forbid")

    overall_sentiment: Annotated[float, Field(ge=-1.0, le=1.0)] | None
    ethical_score: Unit | None
    regret_potential: Unit | None
    causal_clarity: Unit | None
    confidence: Unit


class HelpingAI(BaseModel):
    """``helping_ai``: what the optional LLM helper added (``serve.helping_ai=true`` only).

    The section is absent when the helper is off. It never changes ``analysis`` or
    ``integrated``: those are the model's, whether the helper answered or not.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="the LLM that was asked (llm.model)")
    prompt_version: str = Field(description="the wording of the question (llm/helper.py)")
    context: EthicalContext | None = Field(
        description="who acts, the act, who is affected, the consequences; null when the "
        "text describes no act, or on error"
    )
    counterfactual: str | None = Field(
        description="what the one who acts could have done instead; null when the text "
        "describes no act, or on error"
    )
    error: str | None = Field(
        description="why the helper added nothing (deadline, budget, server, invalid "
        "answer); null when it answered"
    )


@cache
def _result_model(tasks: tuple[str, ...]) -> type[BaseModel]:
    sections: dict[str, Any] = {
        name: (_section(name) | None, Field(description=f"the {name} task")) for name in tasks
    }
    analysis = create_model(
        "Analysis",
        __config__=ConfigDict(extra="forbid"),
        __doc__="``analysis``: each task's section, and the encoders.",
        encoders=(Encoders | None, Field(description="null when the request had no text")),
        **sections,
    )
    return create_model(
        "AnalysisResult",
        __config__=ConfigDict(extra="forbid"),
        __doc__="The result of one text.",
        model_version=(str, Field(description="digest of the weights that produced it")),
        analysis=(analysis, ...),
        integrated=(Integrated, ...),
        # Left out of a dump when None (the MCP SDK dumps the model): off means absent.
        helping_ai=(
            HelpingAI | None,
            Field(
                default=None,
                exclude_if=lambda value: value is None,
                description="the optional LLM helper's additions; absent when off",
            ),
        ),
    )


def _section(name: str) -> Any:
    """A task's section; emotion's may also carry ``modalities`` (or hold only them).

    Three shapes rather than one optional field: a default would be filled in when the
    MCP SDK dumps a text-only result, and text-only results must stay as they are."""
    model = READOUTS[name].section_model
    if name != "emotion":
        return model
    with_modalities = create_model(
        f"{model.__name__}WithModalities",
        __base__=model,
        modalities=(Modalities, Field(description="non-text inputs, fused")),
    )
    return model | with_modalities | ModalitiesOnly


def result_model() -> type[BaseModel]:
    """The model of one result, with a section for every registered task."""
    return _result_model(task_names())


def response_model() -> type[BaseModel]:
    """``{"results": [...], "model_version": "..."}``: the response of the API and MCP."""
    return _response_model(task_names())


@cache
def _response_model(tasks: tuple[str, ...]) -> type[BaseModel]:
    return create_model(
        "AnalyzeResponse",
        __config__=ConfigDict(extra="forbid"),
        __doc__="One result per text, in input order.",
        results=(list[_result_model(tasks)], ...),  # type: ignore[valid-type]
        model_version=(str, ...),
    )
