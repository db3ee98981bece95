"""Temperature scaling of a modality classifier's softmax, fitted on labelled items.

Job: make the confidence an image (or speech-model) estimate reports mean what it says:
of the items given confidence 0.8, about 80% should have the top Ekman class right. The
classifiers' raw softmax is not that (neural networks are over-confident; Guo et al.,
"On Calibration of Modern Neural Networks", ICML 2017). Temperature scaling divides the
logits by one number ``T`` before the softmax, fitted by minimising the negative
log-likelihood of labelled items; it changes no decision (the argmax stays) and only
re-spreads the probabilities.

Nothing is fitted here by default: no labelled face or speech data is reachable offline,
so an encoder without a calibration file reports the model's own top probability and says
so (``diagnostics.confidence``). With labelled data, fit one::

    python -m redheart_lit.cli.calibrate weights=active_model.pth \
        data=DIR out=fer_temperature.json

``DIR`` holds one folder per Ekman class (``DIR/joy/*.jpg``, ``DIR/anger/...``); the
file records ``T``, the item count and the NLL and top-label ECE before and after, and
is loaded with ``modality.image.calibration=fer_temperature.json``.

Models whose labels map several-to-one onto the Ekman classes (a Hugging Face model's
``to_ekman`` matrix) are calibrated in the Ekman space the result reports: the NLL is
that of ``softmax(logits / T) @ to_ekman``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from redheart_lit.evaluation.calibration_error import expected_calibration_error

# Temperatures outside [e^-3, e^3] = [0.05, 20] mean a degenerate fit; the same bound as
# the text model's sigmoid temperatures (model/aux/calibration.py).
LOG_T_LIMIT = 3.0


def ekman_probabilities(
    logits: np.ndarray, temperature: float = 1.0, to_ekman: np.ndarray | None = None
) -> np.ndarray:
    """``[N, K]`` logits -> ``[N, 7]`` probabilities of ``softmax(logits / T) @ to_ekman``
    (``to_ekman`` ``[K, 7]``; None: the logits are already over the 7 classes)."""
    probs = np.exp(log_softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=-1))
    return probs if to_ekman is None else probs @ to_ekman


def nll(
    logits: np.ndarray, labels: np.ndarray, temperature: float, to_ekman: np.ndarray | None = None
) -> float:
    """Mean negative log-likelihood of the Ekman ``labels`` ``[N]`` (class indices)."""
    probs = ekman_probabilities(logits, temperature, to_ekman)
    picked = probs[np.arange(len(labels)), labels]
    return float(-np.log(np.maximum(picked, 1e-300)).mean())


def top_label_ece(probs: np.ndarray, labels: np.ndarray) -> float:
    """ECE of the top-class confidence against whether the top class is right (the
    reliability-diagram form of Guo et al. 2017; 15 equal-width bins)."""
    probs = np.asarray(probs, dtype=np.float64)
    correct = probs.argmax(axis=-1) == np.asarray(labels)
    return expected_calibration_error(probs.max(axis=-1), correct.astype(float))


def fit_temperature(
    logits: np.ndarray, labels: np.ndarray, to_ekman: np.ndarray | None = None
) -> float:
    """The ``T`` minimising :func:`nll`, searched over ``log T`` in [-3, 3] (Brent's
    bounded method: one parameter, no gradient needed). ValueError when the data cannot
    fit one (fewer than two classes present, mismatched shapes)."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (len(logits),):
        raise ValueError(f"logits [N, K] and labels [N], got {logits.shape} and {labels.shape}")
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"{len(labels)} labelled items of {len(np.unique(labels))} class: a temperature "
            "fitted on one class only pushes every confidence to 0 or 1"
        )
    result = minimize_scalar(
        lambda log_t: nll(logits, labels, float(np.exp(log_t)), to_ekman),
        bounds=(-LOG_T_LIMIT, LOG_T_LIMIT),
        method="bounded",
        options={"xatol": 1e-5},
    )
    if not result.success:
        raise FloatingPointError(f"temperature fit failed: {result.message}")
    return float(np.exp(result.x))


@dataclass(frozen=True)
class Calibration:
    """A fitted temperature and what it was fitted on (the JSON file's content).

    ``model``: the model it belongs to (the FER weights' sha256, or the Hugging Face name),
    checked when an encoder loads it: a temperature fitted for one model means nothing
    for another.
    """

    model: str
    temperature: float
    items: int
    fitted_on: str
    nll_before: float
    nll_after: float
    ece_before: float
    ece_after: float

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, model: str) -> Calibration:
        """The file at ``path``; ValueError naming it when its keys or model differ."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: calibration file not found")
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not JSON ({err})") from None
        expected = {f.name for f in fields(cls)}
        if not isinstance(values, dict) or set(values) != expected:
            raise ValueError(f"{path}: expected exactly the keys {sorted(expected)}")
        calibration = cls(**values)
        if calibration.model != model:
            raise ValueError(
                f"{path}: fitted for model {calibration.model!r}, not this one ({model!r})"
            )
        if not (np.isfinite(calibration.temperature) and calibration.temperature > 0):
            raise ValueError(f"{path}: temperature must be > 0, got {calibration.temperature}")
        return calibration


def calibrate(
    logits: np.ndarray,
    labels: np.ndarray,
    model: str,
    fitted_on: str,
    to_ekman: np.ndarray | None = None,
) -> Calibration:
    """Fit ``T`` on ``logits``/``labels`` and report NLL and ECE before (T = 1) and after."""
    temperature = fit_temperature(logits, labels, to_ekman)
    before = ekman_probabilities(logits, 1.0, to_ekman)
    after = ekman_probabilities(logits, temperature, to_ekman)
    return Calibration(
        model=model,
        temperature=round(temperature, 6),
        items=len(labels),
        fitted_on=fitted_on,
        nll_before=round(nll(logits, labels, 1.0, to_ekman), 6),
        nll_after=round(nll(logits, labels, temperature, to_ekman), 6),
        ece_before=round(top_label_ece(before, labels), 6),
        ece_after=round(top_label_ece(after, labels), 6),
    )
