"""Micro-batching: group concurrent single-item requests into one model call.

A request handler calls ``await batcher.submit(text)``; the batcher collects items until
it has ``max_batch_size`` of them or ``max_wait_ms`` have passed since the oldest one
arrived, then runs ``fn(items)`` in a worker thread and hands each waiter its own result.
The model runs one batch at a time, in one thread, so it is never called concurrently,
and the event loop stays free to accept requests while it runs. Items that arrive while
a batch runs wait for it to end and go together in the next one.

Why the details are as they are:

- **No wait after a lone batch.** Waiting for batch-mates pays only when some come. When
  the last batch held a single item (one client, or a quiet spell), the next item runs at
  once instead of idling ``max_wait_ms``: on the tiny model that wait cost a lone client
  more than the model call itself. As soon as a batch holds two or more, waiting resumes.

- **Per-item errors.** When ``fn`` raises on a batch of several items, each item is run
  again alone, so only the item that fails gets the exception and its batch-mates still
  get results (one bad text must not fail 31 other clients).
- **Back-pressure.** The queue holds at most ``max_queue`` items; :meth:`enqueue` raises
  :class:`QueueFullError` at once instead of letting latency grow without bound (the server
  answers 503, the client backs off).
- **Abandoned waiters.** A waiter that times out or disconnects cancels its future; the
  batcher skips cancelled items before running a batch and never sets a result on a done
  future, so the loop is unaffected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
T_in = TypeVar("T_in", contravariant=True)


class QueueFullError(RuntimeError):
    """The queue holds ``max_queue`` items; the caller should shed load (HTTP 503)."""


class BatcherClosedError(RuntimeError):
    """The batcher is stopping or stopped and takes no new items."""


class Batcher(Protocol[T_in, R]):
    """What the service needs from a batcher: :class:`MicroBatcher`, or, under
    ``serve.backend=ray`` with ``serve.ray_batching=serve_batch``, the ``@serve.batch`` one
    (``serving/ray_batcher.py``). Both take the constructor arguments of :class:`MicroBatcher`
    (less ``executor``), so the service builds either the same way."""

    @property
    def running(self) -> bool: ...

    @property
    def queue_depth(self) -> int: ...

    async def start(self) -> None: ...

    async def stop(self, *, drain: bool = True) -> None: ...

    def enqueue(self, items: Sequence[T_in]) -> list[asyncio.Future[R]]: ...


@dataclass(frozen=True)
class BatchRecord:
    """One call of ``fn``: how many items, how long it took, whether it raised."""

    size: int
    seconds: float
    ok: bool


@dataclass
class BatcherStats:
    """Counters for metrics and tests."""

    queue_depth: int
    batches: int
    items: int


@dataclass
class _Pending(Generic[T, R]):
    item: T
    future: asyncio.Future[R]
    enqueued: float


@dataclass(frozen=True)
class Failed:
    """The outcome of an item whose own run raised: the error its waiter gets."""

    error: Exception


async def run_isolating_failures(
    fn: Callable[[list[T]], list[R]],
    items: list[T],
    executor: Executor,
    record: Callable[[BatchRecord], None] | None,
    wanted: Callable[[int], bool] = lambda _: True,
) -> AsyncIterator[tuple[int, R | Failed]]:
    """``fn(items)`` in ``executor``'s thread; then ``(index, outcome)`` of each item.

    Both batchers run their batches through this. Every call of ``fn`` is timed and
    handed to ``record``. When a call on several items raises, which one broke it is
    unknown: each item still ``wanted`` (its waiter has not given up) is run again alone,
    and its outcome yielded as soon as it is known, so only the item that fails gets a
    :class:`Failed` and its batch-mates still get results.
    """
    outcome = await _timed_call(fn, items, executor, record)
    if not isinstance(outcome, Failed):
        for index, result in enumerate(outcome):
            yield index, result
    elif len(items) == 1:
        yield 0, outcome
    else:
        for index, item in enumerate(items):
            if wanted(index):
                alone = await _timed_call(fn, [item], executor, record)
                yield index, alone if isinstance(alone, Failed) else alone[0]


async def _timed_call(
    fn: Callable[[list[T]], list[R]],
    items: list[T],
    executor: Executor,
    record: Callable[[BatchRecord], None] | None,
) -> list[R] | Failed:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    try:
        results = await loop.run_in_executor(executor, fn, items)
        if len(results) != len(items):
            raise RuntimeError(
                f"the batch function returned {len(results)} results for {len(items)} items"
            )
    except Exception as err:
        outcome: list[R] | Failed = Failed(err)
    else:
        outcome = results
    if record is not None:
        seconds = time.perf_counter() - start
        record(BatchRecord(size=len(items), seconds=seconds, ok=not isinstance(outcome, Failed)))
    return outcome


def check_limits(max_batch_size: int, max_wait_ms: float, max_queue: int) -> None:
    """A batcher's limits, whichever batcher takes them: a clear error for a bad one."""
    if max_batch_size < 1 or max_queue < 1 or max_wait_ms < 0:
        raise ValueError(
            f"max_batch_size={max_batch_size} and max_queue={max_queue} must be >= 1, "
            f"max_wait_ms={max_wait_ms} >= 0"
        )


class MicroBatcher(Generic[T, R]):
    """Run ``fn`` on batches of submitted items; see the module docstring.

    Args:
        fn: takes a list of items and returns one result per item, in order. It runs in
            ``executor``'s thread, never two calls at once.
        max_batch_size: the most items per call of ``fn``.
        max_wait_ms: how long the oldest queued item may wait for batch-mates.
        max_queue: the most items waiting (not counting the batch being run).
        executor: where ``fn`` runs; by default a one-thread pool owned by the batcher.
        on_batch: called on the event loop after every call of ``fn`` (for metrics).
    """

    def __init__(
        self,
        fn: Callable[[list[T]], list[R]],
        *,
        max_batch_size: int,
        max_wait_ms: float,
        max_queue: int,
        executor: Executor | None = None,
        on_batch: Callable[[BatchRecord], None] | None = None,
    ) -> None:
        check_limits(max_batch_size, max_wait_ms, max_queue)
        self._fn = fn
        self._max_batch_size = max_batch_size
        self._max_wait_s = max_wait_ms / 1000.0
        self._max_queue = max_queue
        self._owns_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="redheart-batcher"
        )
        self._on_batch = on_batch
        self._queue: deque[_Pending[T, R]] = deque()
        self._arrived = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._batches = 0
        self._items = 0
        # Whether the last batch held one item; then the next one does not wait (see above).
        self._last_was_lone = False

    @property
    def running(self) -> bool:
        """Started, not stopping, and its loop has not died."""
        return self._task is not None and not self._task.done() and not self._closing

    @property
    def queue_depth(self) -> int:
        """Items waiting for a batch (cancelled ones included until the next batch drops them)."""
        return len(self._queue)

    def stats(self) -> BatcherStats:
        return BatcherStats(queue_depth=len(self._queue), batches=self._batches, items=self._items)

    async def start(self) -> None:
        """Start the batching loop on the running event loop."""
        if self._task is not None:
            raise RuntimeError("MicroBatcher.start() was already called")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def stop(self, *, drain: bool = True) -> None:
        """Stop taking items; run what is queued (``drain``) or fail it with BatcherClosedError.

        Either way the batch already running is waited for: its thread cannot be
        interrupted, and the model must not be torn down under it.
        """
        self._closing = True
        if not drain:
            while self._queue:
                self._fail(self._queue.popleft(), BatcherClosedError("the server is shutting down"))
        self._arrived.set()
        self._full.set()
        if self._task is not None:
            await self._task
        if self._owns_executor:
            self._executor.shutdown(wait=False)

    def enqueue(self, items: Sequence[T]) -> list[asyncio.Future[R]]:
        """Queue all of ``items`` or none; one future per item, in order.

        Raises QueueFullError when they do not all fit (all-or-none, so a request of many
        texts is never half-computed), BatcherClosedError when stopping or not started.
        """
        if not self.running:
            raise BatcherClosedError("the batcher is not running (not started, or shutting down)")
        if len(self._queue) + len(items) > self._max_queue:
            raise QueueFullError(
                f"the queue holds {len(self._queue)} of {self._max_queue} items; "
                f"{len(items)} more do not fit"
            )
        loop = asyncio.get_running_loop()
        now = loop.time()
        futures: list[asyncio.Future[R]] = []
        for item in items:
            future: asyncio.Future[R] = loop.create_future()
            self._queue.append(_Pending(item, future, now))
            futures.append(future)
        self._arrived.set()
        if len(self._queue) >= self._max_batch_size:
            self._full.set()
        return futures

    async def submit(self, item: T) -> R:
        """The result of ``fn`` for ``item``, computed in some batch."""
        (future,) = self.enqueue([item])
        return await future

    async def _run(self) -> None:
        try:
            while True:
                if not self._queue:
                    if self._closing:
                        return
                    self._arrived.clear()
                    await self._arrived.wait()
                    continue
                await self._wait_for_batch()
                batch = self._take()
                if batch:
                    self._last_was_lone = len(batch) == 1
                    await self._execute(batch)
        except Exception as err:  # a bug here must not leave waiters hanging forever
            log.exception("the micro-batcher loop died; failing %d queued items", len(self._queue))
            self._closing = True
            while self._queue:
                self._fail(
                    self._queue.popleft(), BatcherClosedError(f"the batcher loop died: {err!r}")
                )

    async def _wait_for_batch(self) -> None:
        """Return once the queue holds a full batch or the oldest item's wait is over."""
        if self._last_was_lone:
            return
        loop = asyncio.get_running_loop()
        deadline = self._queue[0].enqueued + self._max_wait_s
        while len(self._queue) < self._max_batch_size and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._full.clear()
            try:
                await asyncio.wait_for(self._full.wait(), remaining)
            except asyncio.TimeoutError:
                return

    def _take(self) -> list[_Pending[T, R]]:
        batch: list[_Pending[T, R]] = []
        while self._queue and len(batch) < self._max_batch_size:
            pending = self._queue.popleft()
            if not pending.future.done():  # cancelled by a waiter that gave up
                batch.append(pending)
        return batch

    async def _execute(self, batch: list[_Pending[T, R]]) -> None:
        runs = run_isolating_failures(
            self._fn,
            [pending.item for pending in batch],
            self._executor,
            self._record,
            wanted=lambda index: not batch[index].future.done(),
        )
        async for index, outcome in runs:
            pending = batch[index]
            if isinstance(outcome, Failed):
                self._fail(pending, outcome.error)
            elif not pending.future.done():  # done: cancelled by a waiter that gave up
                pending.future.set_result(outcome)

    def _record(self, record: BatchRecord) -> None:
        self._batches += 1
        self._items += record.size
        if self._on_batch is not None:
            self._on_batch(record)

    @staticmethod
    def _fail(pending: _Pending[T, R], err: BaseException) -> None:
        if not pending.future.done():
            pending.future.set_exception(err)
