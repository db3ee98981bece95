"""``serve.py`` with the fake orchestrator in place of the real one, for subprocess tests.

    python tests/serving/fake_serve.py ckpt=<any dir> [serve.key=value ...]

Everything else — Hydra, the settings, the socket, uvicorn, the stdio transport — is the
real code path.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `tests` is importable

from tests.serving.fakes import FakeConfig, FakeOrchestrator

from redheart_lit.serving import main as serve_main


def _fake(
    model_dir: Path, settings: serve_main.ServeSettings, _modality: dict | None = None
) -> FakeOrchestrator:
    print("a stray print while loading", flush=True)  # must not reach stdout in stdio mode
    return FakeOrchestrator(FakeConfig(model_dir=str(model_dir), max_chars=settings.max_chars))


if __name__ == "__main__":
    serve_main.load_orchestrator = _fake  # type: ignore[assignment]
    serve_main.main()
