"""The encoders a server or CLI runs, built from the ``modality/*`` Hydra groups.

Each group (``modality/image``, ``modality/audio``, ``modality/biosignals``) has a
``none`` option; ``kind: none`` builds no encoder, and input for it is refused with a
message naming the group. Unknown keys fail here, naming them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from redheart_lit.modalities.base import ModalityError, ModalityResult
from redheart_lit.modalities.fusion import FusionConfig


@dataclass
class ModalityEncoders:
    """The built encoders (None: switched off) and the fusion settings."""

    image: Any = None
    audio: Any = None
    biosignals: Any = None
    fusion: FusionConfig = field(default_factory=FusionConfig)

    @property
    def names(self) -> list[str]:
        return [n for n in ("image", "audio", "biosignals") if getattr(self, n) is not None]

    def encode(self, name: str, raw: Any) -> ModalityResult:
        """One modality's result; ModalityError when it is off or the input is bad."""
        encoder = getattr(self, name)
        if encoder is None:
            raise ModalityError(
                name, f"this server runs modality/{name}=none; start it with another option"
            )
        return encoder.encode(raw)


def _config(cls: type, group: str, values: Mapping[str, Any]) -> Any:
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValueError(f"modality.{group}: unknown key(s) {unknown}; allowed {sorted(allowed)}")
    return cls(**dict(values))


# group -> (module, config class, encoder class); imported only when the group is on, so
# a text-only server never imports OpenCV, librosa or NeuroKit2.
_GROUPS = {
    "image": ("redheart_lit.modalities.image", "ImageConfig", "ImageEncoder"),
    "audio": ("redheart_lit.modalities.audio", "AudioConfig", "AudioEncoder"),
    "biosignals": ("redheart_lit.modalities.biosignals", "BiosignalConfig", "BiosignalEncoder"),
}


def _group_class(group: str, which: int) -> type:
    module, *names = _GROUPS[group]
    return getattr(importlib.import_module(module), names[which])


def modality_configs(cfg: Mapping[str, Any] | None) -> tuple[FusionConfig, dict[str, Any]]:
    """Check the composed ``modality`` node and read it into config objects, loading no
    encoder: the fusion settings and group -> its encoder's config, for the groups that
    are not ``none``. A caller that hands the node on (Ray's application builder) checks
    it here first, so a bad key fails before any replica starts."""
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - {*_GROUPS, "fusion"})
    if unknown:
        raise ValueError(f"modality: unknown group(s) {unknown}")
    fusion = _config(FusionConfig, "fusion", cfg.get("fusion") or {})
    configs: dict[str, Any] = {}
    for group in _GROUPS:
        values = dict(cfg.get(group) or {"kind": "none"})
        kind = values.get("kind")
        if kind is None:
            raise ValueError(f"modality.{group}.kind is required (none, or an encoder)")
        if kind == "none":
            if len(values) != 1:
                raise ValueError(f"modality.{group}: kind=none takes no other keys")
            continue
        if group == "biosignals":
            # One encoder, so its config has no kind field.
            if kind != "neurokit":
                raise ValueError(f"modality.biosignals.kind must be none or neurokit, got {kind!r}")
            values.pop("kind")
        configs[group] = _config(_group_class(group, 0), group, values)
    return fusion, configs


def build_modalities(cfg: Mapping[str, Any] | None) -> ModalityEncoders:
    """``cfg``: the composed ``modality`` node (plain dicts): ``image``, ``audio``,
    ``biosignals`` (each with ``kind``) and ``fusion``."""
    fusion, configs = modality_configs(cfg)
    encoders = ModalityEncoders(fusion=fusion)
    for group, config in configs.items():
        setattr(encoders, group, _group_class(group, 1)(config))
    return encoders
