"""The validated settings of ``python -m redheart_lit.label`` (``conf/label.yaml``).

The CLI turns the config into a :class:`LabelSettings` holding an
:class:`~redheart_lit.llm.settings.LLMSettings` (``llm.*``, shared with the server's
helper); everything below the CLI takes these, never the ``DictConfig``. A bad value
fails here, naming its config key, before a file is read or a request is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from redheart_lit.llm.settings import LLMSettings, check_non_negative


@dataclass(frozen=True)
class LabelSettings:
    """One labelling run: files, what to fill, and the LLM (``conf/label.yaml``)."""

    input: str
    output: str
    llm: LLMSettings
    cache_dir: str
    # Replace labels the input already has (they are kept by default).
    overwrite: bool = False
    # Print the prompts, the schema and a token estimate; send nothing.
    dry_run: bool = False
    dry_run_rows: int = 2
    # Ask again for rows whose cached answer was rejected.
    retry_rejects: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        for key in ("input", "output", "cache_dir"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{key} must be a path, got {value!r}")
        if self.input == self.output:
            raise ValueError(f"input and output are the same file ({self.input}); choose another")
        check_non_negative("dry_run_rows", self.dry_run_rows, integer=True)

    @property
    def rejects(self) -> str:
        """Where rows go that could not be labelled: ``<output>.rejects.jsonl``."""
        return f"{self.output}.rejects.jsonl"
