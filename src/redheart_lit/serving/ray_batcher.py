"""``serve.ray_batching=serve_batch``: Ray Serve's ``@serve.batch`` as the replica's batcher.

The service (``service.py``) takes any :class:`~redheart_lit.serving.batcher.Batcher`;
this one hands the grouping to ``@serve.batch`` (``max_batch_size`` texts, or
``max_wait_ms`` after the first), so the two can be measured against each other on the
same replica, HTTP path and model (``make bench-ray``). What ``@serve.batch`` does not do,
and the service's contract needs, is kept here, the same as the micro-batcher's:

- **One model call at a time, off the event loop**: each batch runs in one worker thread
  (``max_concurrent_batches=1``), so the model is never called concurrently and the loop
  keeps accepting requests.
- **Bounded queue**: at most ``max_queue`` texts wait or run; more raise
  :class:`QueueFullError` at once (503), all of a request's texts or none.
- **Per-item errors**: a batch that raises is run again text by text, and only the text
  that fails gets the exception (``@serve.batch`` would fail the whole batch); the run,
  its timing and its ``BatchRecord`` are the micro-batcher's own
  (``batcher.run_isolating_failures``).
- **Abandoned waiters**: a cancelled text (deadline) is dropped by ``@serve.batch`` before
  its batch runs.
- **Stop** drains: the texts taken are answered, then the worker thread ends.

``@serve.batch`` works only inside a Ray Serve replica (it reads the replica's context),
which is why the setting needs ``serve.backend=ray``. Ray is imported here only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from redheart_lit.serving.batcher import (
    BatcherClosedError,
    BatchRecord,
    Failed,
    QueueFullError,
    check_limits,
    run_isolating_failures,
)

T = TypeVar("T")
R = TypeVar("R")


class ServeBatchBatcher(Generic[T, R]):
    """Run ``fn`` on batches that ``@serve.batch`` forms; the arguments are MicroBatcher's."""

    def __init__(
        self,
        fn: Callable[[list[T]], list[R]],
        *,
        max_batch_size: int,
        max_wait_ms: float,
        max_queue: int,
        on_batch: Callable[[BatchRecord], None] | None = None,
    ) -> None:
        from ray import serve

        check_limits(max_batch_size, max_wait_ms, max_queue)
        self._fn = fn
        self._max_queue = max_queue
        self._on_batch = on_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redheart-batcher")
        self._started = False
        self._closing = False
        self._pending: set[asyncio.Task[R]] = set()
        self._in_batch = 0
        self._batched = serve.batch(
            max_batch_size=max_batch_size,
            batch_wait_timeout_s=max_wait_ms / 1000.0,
            max_concurrent_batches=1,
        )(self._run_batch)

    @property
    def running(self) -> bool:
        return self._started and not self._closing

    @property
    def queue_depth(self) -> int:
        """Texts waiting for a batch (the running batch's not counted)."""
        return len(self._pending) - self._in_batch

    async def start(self) -> None:
        if self._started:
            raise RuntimeError("ServeBatchBatcher.start() was already called")
        self._started = True

    async def stop(self, *, drain: bool = True) -> None:
        """Stop taking texts; answer the queued ones (``drain``) or cancel them."""
        self._closing = True
        if not drain:
            for task in self._pending:
                task.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        self._executor.shutdown(wait=False)

    def enqueue(self, items: Sequence[T]) -> list[asyncio.Future[R]]:
        """Queue all of ``items`` or none; one future (a task) per item, in order."""
        if not self.running:
            raise BatcherClosedError("the batcher is not running (not started, or shutting down)")
        if len(self._pending) + len(items) > self._max_queue:
            raise QueueFullError(
                f"{len(self._pending)} of {self._max_queue} texts are queued or running; "
                f"{len(items)} more do not fit"
            )
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._one(item)) for item in items]
        for task in tasks:
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return list(tasks)

    async def _one(self, item: T) -> R:
        outcome: Any = await self._batched(item)
        if isinstance(outcome, Failed):
            raise outcome.error
        return outcome

    async def _run_batch(self, items: list[T]) -> list[R | Failed]:
        """The function ``@serve.batch`` calls with each batch it forms."""
        self._in_batch = len(items)
        try:
            runs = run_isolating_failures(self._fn, items, self._executor, self._on_batch)
            return [outcome async for _, outcome in runs]
        finally:
            self._in_batch = 0
