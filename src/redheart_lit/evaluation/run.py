"""Held-out evaluation of a checkpoint (``python eval.py ckpt=PATH data=<name> data.split=test``).

The command loads a checkpoint (weights, temperatures and the emotion thresholds tuned on
dev, see ``model/aux/thresholds.py``), runs it over one split in eval mode and scores every
task on the rows that carry its labels. It writes ``metrics.json`` and ``report.md`` into
its run folder (``logs/eval/runs/<time>/``) and prints the metrics as one JSON object on
the last line of stdout. Nothing is tuned here: thresholds and temperatures come from the
checkpoint. Metric definitions: ``docs/evaluation.md``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hydra.utils import instantiate
from lightning.fabric.utilities.apply_func import move_data_to_device
from omegaconf import DictConfig, OmegaConf

from redheart_lit.data import Batch, Record
from redheart_lit.data.datamodule import RecordDataModule
from redheart_lit.evaluation.classification import apply_thresholds, f1_per_label
from redheart_lit.evaluation.figures import FIGURE_TITLES, save_png, task_figures
from redheart_lit.evaluation.report import EvaluationReport, LabelThreshold
from redheart_lit.model.aux.thresholds import DEFAULT_THRESHOLD
from redheart_lit.tasks.root import TrainableModule
from redheart_lit.tasks.spec import EMOTION_LABELS
from redheart_lit.training.checkpoint import load_checkpoint

log = logging.getLogger(__name__)


def datamodule_for(module: TrainableModule, data: dict[str, Any]) -> RecordDataModule:
    """The data config ``data`` (plain dicts) instantiated for ``module``: the checkpoint
    decides how texts become inputs (its tokenizer and encoder), not the data config."""
    data = data | {
        "tokenizer": dataclasses.asdict(module.config.tokenizer),
        "encoder": dataclasses.asdict(module.config.encoder),
    }
    return instantiate(data)


def read_split(datamodule: RecordDataModule, split: str) -> tuple[list[Record], str]:
    """The validated records of stage ``split`` and a one-line description of their source."""
    if split not in datamodule.splits:
        raise ValueError(
            f"data.split={split!r} is not one of data.splits {sorted(datamodule.splits)}"
        )
    datamodule.setup("predict")  # builds the collate function; reads no split
    name = datamodule.splits[split]
    return datamodule.records_for(split), f"{datamodule.reader!r}, split {name!r}"


@dataclass
class Labelled:
    """Predictions and targets of the rows labelled with one key (numpy, concatenated)."""

    prediction: np.ndarray
    target: np.ndarray


@torch.no_grad()
def predict(
    module: TrainableModule,
    records: list[Record],
    collate: Callable[[list[Record]], Batch],
    batch_size: int,
    device: str | torch.device = "cpu",
) -> dict[str, Labelled]:
    """Run ``module`` over ``records``; label key -> predictions of the rows labelled with it.

    Predictions are what each task's readout scores (``TaskReadout.held_out_predictions``):
    calibrated probabilities, factors, normalised SURD shares, ``u_text - u_cf`` for
    utility pairs. Keys of tasks the checkpoint does not predict, or without any labelled
    row, are absent.
    """
    module = module.to(device).eval()
    readouts = module.readouts()
    parts: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}
    for start in range(0, len(records), batch_size):
        batch = move_data_to_device(collate(records[start : start + batch_size]), device)
        shared = module.trunk(batch)
        for readout in readouts.values():
            out = readout(shared)
            probabilities = readout.probabilities(out)
            for label in readout.spec.labels:
                pair = readout.held_out_predictions(label.key, out, batch, probabilities)
                parts.setdefault(label.key, []).append(pair)
    result = {}
    for key, pairs in parts.items():
        prediction = torch.cat([p for p, _ in pairs]).float().cpu().numpy()
        target = torch.cat([t for _, t in pairs]).float().cpu().numpy()
        if len(target):
            result[key] = Labelled(prediction, target)
    return result


def score(
    module: TrainableModule, outputs: dict[str, Labelled], thresholds: np.ndarray
) -> dict[str, float]:
    """The metrics of every labelled key in ``outputs`` (names as in ``report.METRICS``)."""
    metrics: dict[str, float] = {}
    for readout in module.readouts().values():
        present = {
            label.key: (outputs[label.key].prediction, outputs[label.key].target)
            for label in readout.spec.labels
            if label.key in outputs
        }
        if present:
            metrics |= readout.held_out_metrics(present, thresholds)
    return metrics


@dataclass(frozen=True)
class CheckpointThresholds:
    """The emotion thresholds a checkpoint carries and where they come from.

    Attributes:
        values: ``[28]`` thresholds (0.5 everywhere when the checkpoint has none fitted).
        tuned: ``[28]`` bool; False where the label kept 0.5 (no positive row in dev).
        fitted: the checkpoint's thresholds were fitted on dev at least once.
        source: one line for the report.
    """

    values: np.ndarray
    tuned: np.ndarray
    fitted: bool
    source: str


def checkpoint_thresholds(module: TrainableModule) -> CheckpointThresholds:
    """The thresholds stored in a loaded checkpoint (never tuned here)."""
    n = len(EMOTION_LABELS)
    default, untuned = np.full(n, DEFAULT_THRESHOLD), np.zeros(n, dtype=bool)
    emotion = module.readouts().get("emotion")
    buffers = emotion.thresholds if emotion is not None else None
    if buffers is None:
        source = "none in the checkpoint (calibration off): 0.5 for every label"
        return CheckpointThresholds(default, untuned, False, source)
    if int(buffers.fitted_rows) == 0:
        source = "checkpoint defaults, never fitted (saved before a validation epoch ended): 0.5"
        return CheckpointThresholds(default, untuned, False, source)
    source = (
        f"stored in the checkpoint, tuned for per-label F1 on {int(buffers.fitted_rows)} "
        "validation rows (calibrated probabilities)"
    )
    values = buffers.value.cpu().numpy().astype(float)
    return CheckpointThresholds(values, buffers.tuned.cpu().numpy(), True, source)


def evaluate_module(
    module: TrainableModule,
    records: list[Record],
    collate: Callable[[list[Record]], Batch],
    batch_size: int = 32,
    device: str | torch.device = "cpu",
    figure_dir: Path | None = None,
) -> tuple[dict[str, float], list[LabelThreshold], CheckpointThresholds, list[tuple[str, str]]]:
    """Score ``module`` on ``records``: ``(metrics, emotion threshold table, thresholds,
    figures)``. With ``figure_dir``, every task's figures (``evaluation/figures/``) are
    written there as PNG files; ``figures`` lists ``(title, file name)``."""
    thresholds = checkpoint_thresholds(module)
    outputs = predict(module, records, collate, batch_size, device)
    metrics = score(module, outputs, thresholds.values)
    figures = []
    if figure_dir is not None:
        labelled = {key: (o.prediction, o.target) for key, o in outputs.items()}
        emotion = thresholds.values if "emotion" in module.readouts() else None
        for key, figure in task_figures(labelled, emotion).items():
            name = key.replace("/", "_") + ".png"
            save_png(figure, figure_dir / name)
            figures.append((FIGURE_TITLES[key], name))
    table = []
    if "emotion" in outputs:
        p, y = outputs["emotion"].prediction, outputs["emotion"].target
        f1 = f1_per_label(apply_thresholds(p, thresholds.values), y)
        table = [
            LabelThreshold(label, float(thresholds.values[i]), bool(thresholds.tuned[i]),
                           int(y[:, i].sum()), float(f1[i]))
            for i, label in enumerate(EMOTION_LABELS)
        ]  # fmt: skip
    return metrics, table, thresholds, figures


def _device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def evaluate(
    cfg: DictConfig, data_name: str = "", command: str = "", figure_dir: Path | None = None
) -> EvaluationReport:
    """The evaluation ``python eval.py`` runs (usable from tests). It writes no files but
    the figures' PNGs, and those only when ``figure_dir`` is given (``report.md`` links
    them by file name, so ``eval.py`` passes a ``figures/`` folder beside it).

    ``cfg`` is the composed ``conf/eval.yaml``; ``cfg.data`` is instantiated with the
    checkpoint's tokenizer, and ``cfg.data.split`` names the split to score.
    """
    if OmegaConf.is_missing(cfg, "ckpt"):
        raise ValueError(
            "ckpt is required: python eval.py ckpt=PATH [data=<name>] [data.split=test]"
        )
    module = load_checkpoint(cfg.ckpt)
    data = OmegaConf.to_container(cfg.data, resolve=True)
    assert isinstance(data, dict)
    split = str(data.pop("split"))
    datamodule = datamodule_for(module, data)
    records, source = read_split(datamodule, split)
    metrics, table, thresholds, figures = evaluate_module(
        module, records, datamodule.collate, datamodule.eval_batch_size, _device(cfg.device),
        figure_dir,
    )  # fmt: skip
    notes = []
    if split in ("train", "val"):
        notes.append(
            f"split {split!r} is not held out: a training run fits the weights on 'train' and "
            "the temperatures, thresholds and checkpoint choice on 'val'; do not report these"
        )
    untuned = [r.label for r in table if thresholds.fitted and not r.tuned]
    if untuned:
        notes.append(f"no positive row in dev, threshold kept at 0.5: {', '.join(untuned)}")
    return EvaluationReport(
        metrics=metrics, checkpoint=str(cfg.ckpt), data=data_name or "?",
        data_source=source, split=split, thresholds_source=thresholds.source,
        labels=table, notes=notes, command=command,
        figures=[(title, f"{figure_dir.name}/{name}") for title, name in figures]
        if figure_dir is not None else [],
    )  # fmt: skip
