"""Where dashboard media go: files in the run folder, W&B, TensorBoard.

Each sink takes the same three kinds of item: a figure (already rendered to RGB pixels, so
that a figure is drawn once however many sinks take it), a table and a markdown text.
Files always get everything (so CSV users and offline reviewers see it); W&B and
TensorBoard get it when their logger is among the trainer's loggers.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger, WandbLogger
from lightning.pytorch.loggers.logger import DummyLogger
from matplotlib.figure import Figure

from redheart_lit.evaluation.figures import to_rgb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Image:
    """A rendered figure: ``pixels`` ``[H, W, 3]`` uint8 and the title of its first axes."""

    pixels: np.ndarray
    title: str

    @classmethod
    def of(cls, figure: Figure) -> Image:
        title = figure.axes[0].get_title() if figure.axes else ""
        return cls(to_rgb(figure), title)


class FileSink:
    """PNG, JSON and markdown files in ``folder`` (e.g. ``<run dir>/dashboards/val/epoch_002``).

    The file is named by the key without its stage: ``val/emotion/f1_per_label`` ->
    ``emotion_f1_per_label.png``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str, suffix: str) -> Path:
        name = key.split("/", 1)[-1].replace("/", "_")
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{name}{suffix}"

    def figure(self, key: str, image: Image, step: int) -> Path:
        path = self._path(key, ".png")
        matplotlib.image.imsave(path, image.pixels)
        return path

    def table(self, key: str, columns: list[str], rows: list[list[Any]], step: int) -> Path:
        path = self._path(key, ".json")
        path.write_text(
            json.dumps({"columns": columns, "rows": rows}, ensure_ascii=False, indent=1)
        )
        return path

    def text(self, key: str, text: str, step: int) -> Path:
        path = self._path(key, ".md")
        path.write_text(text)
        return path


class WandbSink:
    """``wandb.Image`` and ``wandb.Table`` through Lightning's WandbLogger (x axis: global step)."""

    def __init__(self, logger: WandbLogger) -> None:
        self.logger = logger

    def figure(self, key: str, image: Image, step: int) -> None:
        self.logger.log_image(key=key, images=[image.pixels], step=step, caption=[image.title])

    def table(self, key: str, columns: list[str], rows: list[list[Any]], step: int) -> None:
        self.logger.log_table(key=key, columns=columns, data=rows, step=step)

    def text(self, key: str, text: str, step: int) -> None:
        import wandb

        self.logger.experiment.log({key: wandb.Html(f"<pre>{_escape(text)}</pre>")})


class TensorBoardSink:
    """``add_image`` and ``add_text`` (tables as markdown) on the TensorBoard writer."""

    def __init__(self, logger: TensorBoardLogger) -> None:
        self.writer = logger.experiment

    def figure(self, key: str, image: Image, step: int) -> None:
        self.writer.add_image(key, image.pixels, global_step=step, dataformats="HWC")

    def table(self, key: str, columns: list[str], rows: list[list[Any]], step: int) -> None:
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
        self.writer.add_text(key, "\n".join(lines), global_step=step)

    def text(self, key: str, text: str, step: int) -> None:
        # TensorBoard renders markdown; four spaces keep a rich table aligned.
        self.writer.add_text(key, "\n".join("    " + line for line in text.splitlines()), step)

    def flush(self) -> None:
        self.writer.flush()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def logger_sinks(loggers: list[Logger]) -> list[WandbSink | TensorBoardSink]:
    """A sink for every W&B and TensorBoard logger; a CSV logger needs none (the files), nor
    does the DummyLogger that ``fast_dev_run`` puts in place of the configured ones."""
    sinks: list[WandbSink | TensorBoardSink] = []
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            sinks.append(WandbSink(logger))
        elif isinstance(logger, TensorBoardLogger):
            sinks.append(TensorBoardSink(logger))
        elif not isinstance(logger, CSVLogger | DummyLogger) and type(logger) not in _WARNED:
            _WARNED.add(type(logger))
            log.warning(
                "dashboards: logger %s gets no figures or tables (only W&B and TensorBoard "
                "do); they are in the run folder's dashboards/ files", type(logger).__name__,
            )  # fmt: skip
    return sinks


# Logger types already warned about, so that the warning comes once, not at every epoch.
_WARNED: set[type] = set()
