"""Production inference: the exported bundle, the orchestrator, and what it reports.

No HTTP and no Lightning here; :mod:`redheart_lit.serving` puts a server around
:class:`ProductionOrchestrator`.
"""

from redheart_lit.inference.bundle import Bundle, BundleError, load_bundle
from redheart_lit.inference.export import export_bundle
from redheart_lit.inference.orchestrator import (
    ProductionConfig,
    ProductionOrchestrator,
    UnsupportedInputError,
)
from redheart_lit.inference.text import InputError, normalise, validate

__all__ = [
    "Bundle",
    "BundleError",
    "InputError",
    "ProductionConfig",
    "ProductionOrchestrator",
    "UnsupportedInputError",
    "export_bundle",
    "load_bundle",
    "normalise",
    "validate",
]
