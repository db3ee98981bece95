"""Non-text inputs: one file per modality, each turning raw input into features, an affect
estimate and diagnostics (:mod:`.base`), and their late fusion with the text (:mod:`.fusion`).

Heavy libraries (NeuroKit2, librosa, OpenCV, onnxruntime) are imported by the encoder that
needs them, so a text-only server never loads them. See docs/multimodal.md.
"""

from redheart_lit.modalities.base import (
    EKMAN_VA,
    AffectEstimate,
    ModalityEncoder,
    ModalityError,
    ModalityResult,
)
from redheart_lit.modalities.build import ModalityEncoders, build_modalities, modality_configs
from redheart_lit.modalities.fusion import FusionConfig, fuse

__all__ = [
    "EKMAN_VA",
    "AffectEstimate",
    "FusionConfig",
    "ModalityEncoder",
    "ModalityEncoders",
    "ModalityError",
    "ModalityResult",
    "build_modalities",
    "fuse",
    "modality_configs",
]
