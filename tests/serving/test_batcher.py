"""MicroBatcher: grouping, the wait bound, per-item errors, back-pressure, cancellation, stop."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from tests.serving.fakes import FakeOrchestrator, text_of

from redheart_lit.serving.batcher import (
    BatcherClosedError,
    BatchRecord,
    Failed,
    MicroBatcher,
    QueueFullError,
    run_isolating_failures,
)

pytestmark = pytest.mark.anyio


def make(fake: FakeOrchestrator, **kwargs: Any) -> MicroBatcher[str, dict]:
    options = {"max_batch_size": 8, "max_wait_ms": 20.0, "max_queue": 100, **kwargs}
    return MicroBatcher(fake.analyze_batch, **options)  # type: ignore[arg-type]


async def test_concurrent_submits_share_one_call() -> None:
    fake = FakeOrchestrator()
    records: list[BatchRecord] = []
    batcher = make(fake, max_wait_ms=1000.0, on_batch=records.append)
    await batcher.start()
    texts = [f"text {i}" for i in range(8)]
    results = await asyncio.gather(*(batcher.submit(t) for t in texts))
    await batcher.stop()
    # A full batch goes at once: the 1 s wait bound is not waited for.
    assert fake.batches == [texts]
    assert [text_of(r) for r in results] == texts
    assert [(r.size, r.ok) for r in records] == [(8, True)]


async def test_batches_never_exceed_max_size_and_never_overlap() -> None:
    fake = FakeOrchestrator(delay_s=0.005)  # the fake asserts it is never called concurrently
    batcher = make(fake, max_batch_size=4, max_wait_ms=1.0)
    await batcher.start()
    texts = [f"t{i}" for i in range(22)]
    results = await asyncio.gather(*(batcher.submit(t) for t in texts))
    await batcher.stop()
    assert [text_of(r) for r in results] == texts
    assert max(len(b) for b in fake.batches) <= 4
    assert sorted(t for b in fake.batches for t in b) == sorted(texts)
    assert batcher.stats().items == 22


async def test_a_lone_item_waits_at_most_max_wait() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_batch_size=100, max_wait_ms=30.0)
    await batcher.start()
    start = time.perf_counter()
    await asyncio.gather(batcher.submit("a"), batcher.submit("b"))
    elapsed = time.perf_counter() - start
    await batcher.stop()
    assert fake.batches == [["a", "b"]]
    assert 0.025 <= elapsed < 2.0


async def test_no_wait_after_a_lone_batch_and_waiting_resumes_after_a_pair() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_batch_size=100, max_wait_ms=300.0)
    await batcher.start()
    start = time.perf_counter()
    await batcher.submit("first")  # nothing known yet: waits for batch-mates, none come
    assert time.perf_counter() - start >= 0.25
    start = time.perf_counter()
    await batcher.submit("second")  # the last batch was lone: runs at once
    assert time.perf_counter() - start < 0.15
    await asyncio.gather(batcher.submit("a"), batcher.submit("b"))  # queued together
    start = time.perf_counter()
    await batcher.submit("third")  # the last batch held two: waits again
    assert time.perf_counter() - start >= 0.25
    await batcher.stop()
    assert fake.batches == [["first"], ["second"], ["a", "b"], ["third"]]


async def test_a_failing_item_fails_alone() -> None:
    fake = FakeOrchestrator(fail_on={"bad"})
    records: list[BatchRecord] = []
    batcher = make(fake, max_wait_ms=1000.0, on_batch=records.append)
    await batcher.start()
    futures = batcher.enqueue(["a", "bad", "c"])
    await batcher.stop()  # drains: runs the queued batch
    outcomes = await asyncio.gather(*futures, return_exceptions=True)
    assert text_of(outcomes[0]) == "a"
    assert isinstance(outcomes[1], RuntimeError)
    assert "bad" in str(outcomes[1])
    assert text_of(outcomes[2]) == "c"
    # The batch, then each item alone.
    assert fake.batches == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert [r.ok for r in records] == [False, True, False, True]


async def test_the_shared_run_retries_only_the_items_still_wanted() -> None:
    # Both batchers (this one and ray_batcher.py) run their batches through it.
    from concurrent.futures import ThreadPoolExecutor

    fake = FakeOrchestrator(fail_on={"bad"})
    records: list[BatchRecord] = []
    with ThreadPoolExecutor(max_workers=1) as executor:
        runs = run_isolating_failures(
            fake.analyze_batch, ["a", "gone", "bad"], executor, records.append,
            wanted=lambda index: index != 1,
        )  # fmt: skip
        outcomes = [(index, outcome) async for index, outcome in runs]
    assert fake.batches == [["a", "gone", "bad"], ["a"], ["bad"]]
    assert [index for index, _ in outcomes] == [0, 2]
    assert text_of(outcomes[0][1]) == "a"
    assert isinstance(outcomes[1][1], Failed)
    assert "bad" in str(outcomes[1][1].error)
    assert [(r.size, r.ok) for r in records] == [(3, False), (1, True), (1, False)]


async def test_queue_full_is_raised_at_once_and_all_or_none() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_queue=3, max_wait_ms=1000.0)
    await batcher.start()
    first = batcher.enqueue(["a", "b"])
    with pytest.raises(QueueFullError, match="2 more do not fit"):
        batcher.enqueue(["c", "d"])
    assert batcher.queue_depth == 2  # nothing of the refused request was queued
    more = batcher.enqueue(["c"])
    await batcher.stop()
    assert [text_of(f.result()) for f in first + more] == ["a", "b", "c"]


async def test_cancelled_waiters_are_skipped_and_the_loop_goes_on() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_wait_ms=10.0)
    await batcher.start()
    futures = batcher.enqueue(["keep", "gone", "also"])
    futures[1].cancel()
    assert text_of(await futures[0]) == "keep"
    assert text_of(await futures[2]) == "also"
    assert fake.batches == [["keep", "also"]]
    # A waiter that gives up while its batch runs: the result is dropped, nothing breaks.
    fake.delay_s = 0.05
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(batcher.submit("slow"), 0.01)
    fake.delay_s = 0.0
    assert text_of(await batcher.submit("after")) == "after"
    await batcher.stop()


async def test_stop_without_drain_fails_queued_items_and_refuses_new_ones() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_wait_ms=1000.0)
    await batcher.start()
    futures = batcher.enqueue(["a", "b"])
    await batcher.stop(drain=False)
    for future in futures:
        with pytest.raises(BatcherClosedError):
            future.result()
    assert fake.batches == []
    with pytest.raises(BatcherClosedError):
        await batcher.submit("late")


async def test_a_wrong_number_of_results_is_an_error() -> None:
    batcher: MicroBatcher[str, str] = MicroBatcher(
        lambda items: items[:1], max_batch_size=4, max_wait_ms=1000.0, max_queue=10
    )
    await batcher.start()
    futures = batcher.enqueue(["a", "b"])
    await batcher.stop()
    # Alone, each item gets its one result back; only the pair was short.
    assert [f.result() for f in futures] == ["a", "b"]


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_batch_size=0"):
        MicroBatcher(lambda x: x, max_batch_size=0, max_wait_ms=1.0, max_queue=1)
