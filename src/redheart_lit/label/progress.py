"""The progress bar of a labelling run: rows, spend and rejection rate, on stderr."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from redheart_lit.llm.budget import Budget


class RunProgress:
    """``with RunProgress(total, budget, enabled) as bar: bar.advance(rejected=...)``.

    Disabled, it does nothing (tests, or ``progress=false`` in scripts).
    """

    def __init__(self, total: int, budget: Budget, enabled: bool = True) -> None:
        self.budget = budget
        self.done = self.rejected = 0
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("labelling"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[spend]}"),
                TextColumn("rejected {task.fields[rejected]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._task = self._progress.add_task("rows", total=total, **self._fields())

    def _fields(self) -> dict[str, str]:
        spend = f"{self.budget.tokens} tok"
        if self.budget.cost is not None:
            spend += f", cost {self.budget.cost:.4f}"
        rate = self.rejected / self.done if self.done else 0.0
        return {"spend": spend, "rejected": f"{self.rejected} ({rate:.1%})"}

    def advance(self, rejected: bool = False) -> None:
        self.done += 1
        self.rejected += rejected
        if self._progress is not None:
            self._progress.update(self._task, advance=1, **self._fields())

    def __enter__(self) -> RunProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
