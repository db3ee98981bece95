"""Turning a matplotlib figure into a PNG file, PNG bytes or an RGB array (Agg, no display)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Agg renders to memory: training runs on servers without a display, and the figures are
# written as files and logged, never shown. (Figures are built with ``Figure``, not
# pyplot, so they need no backend; this keeps a library that calls pyplot headless too.)
matplotlib.use("Agg")

DPI = 100


def new_figure(width: float = 6.4, height: float = 4.0) -> tuple[Figure, Axes]:
    """A figure with one axes. Built with ``Figure`` rather than ``pyplot.figure`` so that
    figures are never registered with pyplot and need no ``plt.close``."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def unit_scatter(
    series: dict[str, tuple[np.ndarray, np.ndarray]], quantity: str, title: str, size: float
) -> Figure:
    """Predicted against target on the unit square, the diagonal dotted; ``series`` is
    label -> ``(predicted, target)``, with a legend when there are several."""
    figure, ax = new_figure(4.8, 4.6)
    for label, (p, y) in series.items():
        ax.scatter(y, p, s=size, alpha=0.7, label=label)
    ax.plot([0, 1], [0, 1], ":", color="gray")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"target {quantity}")
    ax.set_ylabel(f"predicted {quantity}")
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7)
    return figure


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_png(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(figure))
    return path


def to_rgb(figure: Figure) -> np.ndarray:
    """``[H, W, 3]`` uint8 pixels of the rendered figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
