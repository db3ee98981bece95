"""Where the Hydra configs live."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """``$REDHEART_CONFIG_DIR``, else ``conf/`` of the checkout this package is installed from."""
    path = Path(os.environ.get("REDHEART_CONFIG_DIR", Path(__file__).resolve().parents[2] / "conf"))
    if not (path / "train.yaml").is_file():
        raise FileNotFoundError(
            f"no Hydra config at {path}/train.yaml; install the project with `pip install -e .` "
            "from its checkout, or set REDHEART_CONFIG_DIR to its conf/ folder"
        )
    return path
