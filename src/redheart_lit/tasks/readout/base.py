"""The network part of a task: how it reads the trunk's shared states into its outputs.

A :class:`TaskReadout` is a plain ``nn.Module`` (no Lightning): the task's analyzer, its
head, its calibration temperatures and whatever else it reads the shared states with.
The task's LightningModule (``tasks/<name>.py``) owns one and adds the loss, metrics and
training steps; an exported bundle holds only readouts and the trunk, so production
inference runs on torch alone.

A subclass names its task (``task = "emotion"``) and is registered in :data:`READOUTS`
when it is defined. The base class is itself a complete readout: analyzer, head of
``out_dim`` logits, nothing else. A task that needs no more uses it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from redheart_lit.data.batch import Batch
from redheart_lit.model.analyzer import Analyzer, MeanPool
from redheart_lit.model.aux.calibration import Temperature
from redheart_lit.model.config import ModelConfig
from redheart_lit.model.heads import ExpertHead
from redheart_lit.model.trunk import SharedStates
from redheart_lit.tasks.readout.rounding import rounded
from redheart_lit.tasks.spec import TASKS, TaskSpec

# task name -> readout class; filled by TaskReadout.__init_subclass__.
READOUTS: dict[str, type[TaskReadout]] = {}


@dataclass
class LogitsOutput:
    """The output of a plain readout: ``logits`` ``[B, out_dim]``."""

    logits: torch.Tensor


class TaskReadout(nn.Module):
    """Analyzer + head for one task.

    Class attributes a subclass sets:
        task: the task's name in the task table.
        calibrated: label key -> number of logit columns given a temperature (when
            ``aux.calibration`` is on); :meth:`logits` returns those logits.
    """

    task: ClassVar[str]
    calibrated: ClassVar[dict[str, int]] = {}
    # The pydantic model of this task's part of a result (``analysis.<task>``).
    section_model: ClassVar[Any] = dict[str, Any]
    # Parameters that shaping a result reads outside the exported ONNX graph (the runner
    # builds the readout without its weights, so the export carries these beside it).
    outside_graph: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "task" in cls.__dict__:
            register_readout(cls.task, cls)

    def __init__(self, config: ModelConfig, task: str | None = None) -> None:
        """``task`` names the task of a plain readout; a subclass knows its own."""
        super().__init__()
        name = task or type(self).task
        self.name = name
        self.spec: TaskSpec = TASKS[name]
        d, bb = config.backbone.d_model, config.backbone
        analyzer = config.analyzers[name]
        self.analyzer = (
            Analyzer(d, bb.n_heads, bb.dropout, analyzer) if analyzer.enabled else MeanPool()
        )
        self.head = ExpertHead(self.head_in_dim(d), self.head_out_dim(), config.heads[name])
        self.temperatures = nn.ModuleDict(
            {key: Temperature(n) for key, n in self.calibrated.items()}
            if config.aux.calibration.enabled
            else {}
        )

    # -- shape of the head (subclasses override) ---------------------------------------
    def head_in_dim(self, d_model: int) -> int:
        return d_model

    def head_out_dim(self) -> int:
        """One logit per output of the task table (a plain classifier)."""
        return len(self.spec.outputs)

    # -- forward ---------------------------------------------------------------------
    def read(self, states: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The analyzer: ``(token_states [N, L, D], pooled [N, D])``."""
        return self.analyzer(states, mask)

    def forward(self, shared: SharedStates) -> Any:
        return LogitsOutput(self.head(self.read(shared.states, shared.mask)[1]))

    # -- probabilities, calibration, metrics ------------------------------------------
    def logits(self, out: Any) -> dict[str, torch.Tensor]:
        """Label key -> the sigmoid logits of ``out`` that calibration and probabilities read."""
        return {}

    def probabilities(self, out: Any) -> dict[str, torch.Tensor]:
        """Calibrated probabilities of :meth:`logits` (plain sigmoid when calibration is off)."""
        return {
            key: self.temperatures[key](value) if key in self.temperatures else torch.sigmoid(value)
            for key, value in self.logits(out).items()
        }

    def fit_calibration(self, key: str, logits: torch.Tensor, targets: torch.Tensor) -> None:
        """Refit the temperature of ``key`` on validation rows (after a validation epoch)."""
        self.temperatures[key].fit(logits.cpu(), targets.cpu())

    def predictions(
        self, key: str, out: Any, batch: Batch, probabilities: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictions in label space and their targets, for the rows labelled with ``key``.

        What metrics and evaluation score: by default the calibrated probability; for a
        plain readout (:class:`LogitsOutput`) the logits, i.e. class scores.
        """
        mask = batch.label_mask[key]
        prediction = out.logits if isinstance(out, LogitsOutput) else probabilities[key]
        return prediction[mask], batch.labels[key][mask]

    def held_out_predictions(
        self, key: str, out: Any, batch: Batch, probabilities: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """What ``eval.py`` scores for label ``key``: :meth:`predictions` unless overridden."""
        return self.predictions(key, out, batch, probabilities)

    def held_out_metrics(
        self, labelled: dict[str, tuple[np.ndarray, np.ndarray]], thresholds: np.ndarray
    ) -> dict[str, float]:
        """``eval.py``'s metrics of this task: label key -> (predictions, targets) of the
        labelled rows; ``thresholds`` are the emotion thresholds stored in the checkpoint."""
        return {}

    # -- inference result --------------------------------------------------------------
    def tensors(self, out: Any, probabilities: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """What :meth:`section` shapes, as tensors ``[N, ...]``: the outputs an exported
        ONNX graph returns (``inference/onnx``), so they must be computed here, in torch.

        By default the calibrated probabilities; a plain readout's logits under ``logits``.
        """
        tensors = dict(probabilities)
        if isinstance(out, LogitsOutput):
            tensors["logits"] = out.logits
        return tensors

    def arrays(self, out: Any, probabilities: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """:meth:`tensors` as float32 numpy arrays (one model call, ``[N, ...]`` each).

        Override :meth:`tensors`, not this: the ONNX export reads the tensors.
        """
        return {key: v.float().cpu().numpy() for key, v in self.tensors(out, probabilities).items()}

    def section(self, arrays: dict[str, np.ndarray], rows: int) -> list[dict[str, Any]]:
        """This task's part of each result (``analysis.<task>``), one dict per row.

        By default each array's row, named by the task table's outputs where it has one
        value per output (a plain readout: ``{"logits": {output: logit}}``).
        """
        names = self.spec.outputs
        columns = {
            key: [
                dict(zip(names, row, strict=True)) if len(row) == len(names) else row
                for row in rounded(value)
            ]
            if value.ndim == 2
            else rounded(value)
            for key, value in arrays.items()
        }
        return [{key: values[i] for key, values in columns.items()} for i in range(rows)]

    # -- sizes ---------------------------------------------------------------------------
    def parameter_parts(self) -> dict[str, list[nn.Module | nn.Parameter]]:
        """Which parameters count where in the parameter table: ``analyzers``, ``heads``
        and ``auxiliary/<name>`` (each task's row within that group)."""
        return {
            "analyzers": [self.analyzer],
            "heads": [self.head],
            "auxiliary/calibration": [self.temperatures],
        }

    def block_passes(
        self, config: ModelConfig, text_tokens: int, cf_tokens: int
    ) -> list[tuple[int, int]]:
        """``(tokens, ffn width)`` of every analyzer block pass in one step (memory estimate)."""
        analyzer = config.analyzers[self.name]
        if not analyzer.enabled:
            return []
        passes = [(text_tokens, analyzer.ffn_dim)] * analyzer.n_layers
        if self.spec.reads_counterfactual:
            passes += [(cf_tokens, analyzer.ffn_dim)] * analyzer.n_layers
        return passes


def build_readout(task: str, config: ModelConfig) -> TaskReadout:
    """The readout of registered task ``task``."""
    if task not in READOUTS:
        raise KeyError(f"task {task!r} has no readout; registered: {sorted(READOUTS)}")
    return READOUTS[task](config, task)


def register_readout(task: str, cls: type[TaskReadout]) -> None:
    """Make ``cls`` the readout of ``task`` (a task has exactly one)."""
    known = READOUTS.get(task)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"task {task!r} already has readout {known.__name__}")
    READOUTS[task] = cls
