"""Held-out evaluation of a checkpoint: ``python eval.py ckpt=PATH data=<name> data.split=test``.

The command loads a checkpoint (weights, temperatures and the emotion thresholds tuned on
dev, see ``model/thresholds.py``), runs it over one split in eval mode and scores every
task on the rows that carry its labels. It writes ``metrics.json`` and ``report.md`` into
its run folder (``logs/eval/runs/<time>/``) and prints the metrics as one JSON object on
the last line of stdout. Nothing is tuned here: thresholds and temperatures come from the
checkpoint. Metric definitions: ``docs/evaluation.md``.
"""

from __future__ import annotations

import dataclasses
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hydra
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from lightning.fabric.utilities.apply_func import move_data_to_device
from omegaconf import DictConfig, OmegaConf

from redheart_lit.data import Batch, Record
from redheart_lit.data.datamodule import RecordDataModule
from redheart_lit.evaluation.calibration_error import expected_calibration_error
from redheart_lit.evaluation.classification import (
    apply_thresholds,
    auroc,
    binary_accuracy,
    f1_per_label,
    macro_f1,
    mean_absolute_error,
    micro_f1,
    pairwise_accuracy,
)
from redheart_lit.evaluation.ekman import ekman_macro_f1
from redheart_lit.evaluation.report import (
    EvaluationReport,
    LabelThreshold,
    metrics_json,
    render_markdown,
)
from redheart_lit.evaluation.thresholds import DEFAULT_THRESHOLD
from redheart_lit.lit_module import RedHeartModule
from redheart_lit.metrics import predictions
from redheart_lit.model import RedHeartOutput
from redheart_lit.paths import config_dir
from redheart_lit.tasks import EMOTION_LABELS, LABELS, task_of_label

log = logging.getLogger(__name__)
# Characters of the underlying error kept in a CheckpointError message.
_MAX_DETAIL = 600


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read as a redheart_lit checkpoint."""


def load_checkpoint(path: str | Path) -> RedHeartModule:
    """The module of checkpoint ``path`` in eval mode, on CPU; errors name the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such checkpoint file; pass ckpt=<run dir>/checkpoints/<name>.ckpt"
        )
    if not zipfile.is_zipfile(path):
        # torch.save writes a zip archive; torch.load's own error for anything else talks
        # about weights_only and would mislead.
        raise CheckpointError(
            f"{path}: not a PyTorch checkpoint (not the zip archive torch.save writes); "
            "the file is corrupt, truncated or of another kind"
        )
    try:
        module = RedHeartModule.load_from_checkpoint(path, map_location="cpu", weights_only=True)
    except Exception as err:
        # Not a Lightning checkpoint, one of another model, or damaged inside: the cause
        # varies (pickle, key and shape errors); the message must name the file.
        detail = " ".join(str(err).split())  # one line: key lists span several
        if len(detail) > _MAX_DETAIL:
            detail = detail[:_MAX_DETAIL] + " ..."
        raise CheckpointError(
            f"{path}: not a loadable redheart_lit checkpoint ({type(err).__name__}: {detail})"
        ) from err
    return module.eval()


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


def _utility_difference(out: RedHeartOutput, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """``u_text - u_cf`` and ``utility_pref`` for the labelled counterfactual rows."""
    cf = batch.cf_index
    labelled = batch.label_mask["utility_pref"][cf]
    diff = out.utility[cf] - out.cf_utility
    return diff[labelled], batch.labels["utility_pref"][cf][labelled]


@torch.no_grad()
def predict(
    module: RedHeartModule,
    records: list[Record],
    collate: Callable[[list[Record]], Batch],
    batch_size: int,
    device: str | torch.device = "cpu",
) -> dict[str, Labelled]:
    """Run ``module`` over ``records``; label key -> predictions of the rows labelled with it.

    Predictions are what the metrics score: calibrated probabilities (emotion,
    acceptability, regret), factors, normalised SURD shares, and ``u_text - u_cf`` for
    utility pairs. Keys of tasks the checkpoint does not predict, or without any labelled
    row, are absent.
    """
    module = module.to(device).eval()
    model = module.model
    keys = [k for k in LABELS if task_of_label(k) in model.config.tasks]
    parts: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {k: [] for k in keys}
    for start in range(0, len(records), batch_size):
        batch = move_data_to_device(collate(records[start : start + batch_size]), device)
        out = model(batch)
        probabilities = model.probabilities(out)
        for key in keys:
            if key == "utility_pref":
                pair = _utility_difference(out, batch)
            else:
                pair = predictions(key, out, batch, probabilities)
            parts[key].append(pair)
    result = {}
    for key, pairs in parts.items():
        prediction = torch.cat([p for p, _ in pairs]).float().cpu().numpy()
        target = torch.cat([t for _, t in pairs]).float().cpu().numpy()
        if len(target):
            result[key] = Labelled(prediction, target)
    return result


def score(outputs: dict[str, Labelled], thresholds: np.ndarray) -> dict[str, float]:
    """The metrics of every labelled key in ``outputs`` (names as in ``report.METRICS``)."""
    metrics: dict[str, float] = {}
    if "emotion" in outputs:
        p, y = outputs["emotion"].prediction, outputs["emotion"].target
        tuned, half = apply_thresholds(p, thresholds), apply_thresholds(p, DEFAULT_THRESHOLD)
        metrics |= {
            "emotion/rows": len(y),
            "emotion/macro_f1": macro_f1(tuned, y),
            "emotion/micro_f1": micro_f1(tuned, y),
            "emotion/macro_f1_at_0.5": macro_f1(half, y),
            "emotion/micro_f1_at_0.5": micro_f1(half, y),
            "emotion/ekman_macro_f1": ekman_macro_f1(p, y, thresholds),
            "emotion/ece": expected_calibration_error(p, y),
            "emotion/labels_without_positives": int((y.sum(0) == 0).sum()),
        }
    if "utility_pref" in outputs:
        diff, pref = outputs["utility_pref"].prediction, outputs["utility_pref"].target
        metrics["bentham/utility_pair_rows"] = len(pref)
        metrics["bentham/utility_pair_acc"] = pairwise_accuracy(diff, np.zeros_like(diff), pref)
    if "acceptability" in outputs:
        p, y = outputs["acceptability"].prediction, outputs["acceptability"].target
        metrics["bentham/acceptability_rows"] = len(y)
        metrics["bentham/acceptability_acc"] = binary_accuracy(p, y)
    if "bentham" in outputs:
        p, y = outputs["bentham"].prediction, outputs["bentham"].target
        metrics["bentham/factors_rows"] = len(y)
        metrics["bentham/factors_mae"] = mean_absolute_error(p, y)
    if "regret" in outputs:
        p, y = outputs["regret"].prediction, outputs["regret"].target
        metrics |= {
            "regret/rows": len(y),
            "regret/acc": binary_accuracy(p, y),
            "regret/auroc": auroc(p, y),
            "regret/mae": mean_absolute_error(p, y),
        }
    if "surd" in outputs:
        p, y = outputs["surd"].prediction, outputs["surd"].target
        metrics["surd/rows"] = len(y)
        metrics["surd/mae"] = mean_absolute_error(p, y)
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


def checkpoint_thresholds(module: RedHeartModule) -> CheckpointThresholds:
    """The thresholds stored in a loaded checkpoint (never tuned here)."""
    n = len(EMOTION_LABELS)
    default, untuned = np.full(n, DEFAULT_THRESHOLD), np.zeros(n, dtype=bool)
    buffers = module.model.thresholds
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
    module: RedHeartModule,
    records: list[Record],
    collate: Callable[[list[Record]], Batch],
    batch_size: int = 32,
    device: str | torch.device = "cpu",
) -> tuple[dict[str, float], list[LabelThreshold], CheckpointThresholds]:
    """Score ``module`` on ``records``: ``(metrics, emotion threshold table, thresholds)``."""
    thresholds = checkpoint_thresholds(module)
    outputs = predict(module, records, collate, batch_size, device)
    metrics = score(outputs, thresholds.values)
    table = []
    if "emotion" in outputs:
        p, y = outputs["emotion"].prediction, outputs["emotion"].target
        f1 = f1_per_label(apply_thresholds(p, thresholds.values), y)
        table = [
            LabelThreshold(label, float(thresholds.values[i]), bool(thresholds.tuned[i]),
                           int(y[:, i].sum()), float(f1[i]))
            for i, label in enumerate(EMOTION_LABELS)
        ]  # fmt: skip
    return metrics, table, thresholds


def _device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def evaluate(cfg: DictConfig, data_name: str = "", command: str = "") -> EvaluationReport:
    """The evaluation ``python eval.py`` runs, without writing files (usable from tests).

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
    # The checkpoint decides how texts become inputs, not the data config.
    data["tokenizer"] = module.tokenizer.to_dict()
    data["encoder"] = dataclasses.asdict(module.config.encoder)
    datamodule = instantiate(data)
    records, source = read_split(datamodule, split)
    metrics, table, thresholds = evaluate_module(
        module, records, datamodule.collate, datamodule.eval_batch_size, _device(cfg.device)
    )
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
    )  # fmt: skip


def run(cfg: DictConfig) -> dict[str, float]:
    """The Hydra task: evaluate, write ``metrics.json`` and ``report.md``, print the JSON."""
    hydra_cfg = HydraConfig.get()
    command = " ".join(["python eval.py", *hydra_cfg.overrides.task])
    report = evaluate(cfg, data_name=hydra_cfg.runtime.choices.get("data", ""), command=command)
    out = Path(cfg.paths.output_dir)
    line = metrics_json(report.metrics)
    (out / "metrics.json").write_text(line + "\n")
    (out / "report.md").write_text(render_markdown(report))
    for note in report.notes:
        log.warning(note)
    log.info("wrote %s and %s", out / "metrics.json", out / "report.md")
    # Last line of stdout, for scripts: nothing may be printed or logged after it.
    print(line, flush=True)
    return report.metrics


def main() -> None:
    hydra.main(config_path=str(config_dir()), config_name="eval", version_base="1.3")(run)()
