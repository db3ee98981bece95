"""``python -m redheart_lit.label input=IN.jsonl output=OUT.jsonl llm.base_url=URL llm.model=NAME``.

Fills the missing labels of a JSONL file with an LLM behind any OpenAI-compatible server
(docs/labelling.md). ``--help`` lists every key. The Hydra task checks the settings and
the key's transport before anything is read or sent, then runs :func:`label_file` (or
:func:`dry_run`) and exits with the run's code: 0 done, 3 budget cap reached, 4 the
server refused the requests, 5 rows got no answer from the server, 130 interrupted.
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig

from redheart_lit.label.config import settings_from_config
from redheart_lit.llm.redact import redact_logs
from redheart_lit.llm.settings import api_key_from_env
from redheart_lit.paths import config_dir

log = logging.getLogger("redheart_lit.label")


def run(cfg: DictConfig) -> int:
    """The Hydra task; returns the exit code (the caller exits with it)."""
    # Imported here: `--help` and a bad setting answer without loading the client.
    from redheart_lit.label.dry_run import dry_run
    from redheart_lit.label.run import label_file

    settings = settings_from_config(cfg)
    key = api_key_from_env()
    settings.llm.check_key_transport(key)
    redact_logs(key)
    if settings.dry_run:
        dry_run(settings, sys.stdout)
        return 0
    log.info(
        "labelling %s with %s at %s (key %s)",
        settings.input,
        settings.llm.model,
        settings.llm.base_url,
        "set" if key else "not set",
    )
    summary = label_file(settings, key)
    # Through the log: on the console and in the run's label.log alike.
    for line in summary.lines(settings):
        log.info("%s", line)
    return summary.exit_code


def main() -> None:
    code: list[int] = []

    def task(cfg: DictConfig) -> None:
        code.append(run(cfg))

    hydra.main(config_path=str(config_dir()), config_name="label", version_base="1.3")(task)()
    if code and code[0]:
        raise SystemExit(code[0])


if __name__ == "__main__":
    main()
