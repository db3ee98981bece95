"""Load a training checkpoint (a multitask or a single-task one) for evaluation or export."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import torch

from redheart_lit.tasks.readout import MultiTaskNet
from redheart_lit.tasks.root import TrainableModule

# Characters of the underlying error kept in a CheckpointError message.
_MAX_DETAIL = 600


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read as a redheart_lit checkpoint."""


def load_checkpoint(path: str | Path) -> TrainableModule:
    """The module of checkpoint ``path`` in eval mode, on CPU; errors name the path.

    A multitask checkpoint gives a :class:`MultiTaskModule`, a single-task one (its
    hyperparameters say ``own_trunk``) that task's module. Built without losses: it
    predicts and evaluates, it does not train.
    """
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
        module_cls = _module_class(path)
        module = module_cls.load_from_checkpoint(path, map_location="cpu", weights_only=True)
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


def _module_class(path: Path) -> type[TrainableModule]:
    """Which LightningModule saved ``path``: read from its hyperparameters."""
    from redheart_lit.tasks import TASK_MODULES, MultiTaskModule

    # Memory-mapped: only the hyperparameters are read here; load_from_checkpoint reads
    # the weights afterwards.
    saved = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    hparams = saved.get("hyper_parameters")
    if not isinstance(hparams, dict) or "config" not in hparams:
        raise KeyError("hyper_parameters.config is missing")
    if "own_trunk" not in hparams:
        return MultiTaskModule
    (task,) = hparams["config"]["tasks"]
    return TASK_MODULES[task]


def to_net(module: TrainableModule) -> MultiTaskNet:
    """The plain ``nn.Module`` twin of a trained module (trunk and readouts), strict keys.

    A single-task module gives a net of that one task.
    """
    readouts = module.readouts()
    config = dataclasses.replace(module.config, tasks=tuple(readouts))
    net = MultiTaskNet(config)
    state = {f"trunk.{k}": v for k, v in module.trunk.state_dict().items()}
    for name, readout in readouts.items():
        state |= {f"readouts.{name}.{k}": v for k, v in readout.state_dict().items()}
    net.load_state_dict(state, strict=True)
    return net.eval()
