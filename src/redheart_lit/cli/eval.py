"""``python eval.py ckpt=PATH data=<name> data.split=test``: score a checkpoint on a split.

Writes ``metrics.json``, ``report.md`` and the figures it shows (``figures/*.png``) into
the run folder and prints the metrics as
one JSON object on the last line of stdout. The evaluation itself is
:func:`redheart_lit.evaluation.run.evaluate`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from redheart_lit.evaluation.report import metrics_json, render_markdown
from redheart_lit.evaluation.run import evaluate
from redheart_lit.paths import config_dir

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> dict[str, float]:
    """The Hydra task: evaluate, write ``metrics.json`` and ``report.md``, print the JSON."""
    hydra_cfg = HydraConfig.get()
    command = " ".join(["python eval.py", *hydra_cfg.overrides.task])
    out = Path(cfg.paths.output_dir)
    report = evaluate(
        cfg, data_name=hydra_cfg.runtime.choices.get("data", ""), command=command,
        figure_dir=out / "figures",
    )  # fmt: skip
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
