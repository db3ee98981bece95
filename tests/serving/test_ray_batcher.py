"""``serve.ray_batching=serve_batch``: the ``@serve.batch`` batcher keeps the service's
contract (one call at a time, bounded queue, per-text errors, drain on stop), alone and
under the real app. ``@serve.batch`` reads its Ray Serve replica's context; here a stand-in
context takes its place (no cluster is started)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import tests.serving.ray_required  # noqa: F401  (first: fails without the .[ray] extra)
from ray import serve
from tests.serving.fakes import FakeOrchestrator, text_of
from tests.serving.harness import BASE_URL

from redheart_lit.serving import ServeSettings, create_app
from redheart_lit.serving.batcher import BatcherClosedError, BatchRecord, QueueFullError
from redheart_lit.serving.ray_batcher import ServeBatchBatcher

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def replica_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``@serve.batch`` reads on a replica (only max_ongoing_requests, for a warning)."""
    context = SimpleNamespace(_deployment_config=SimpleNamespace(max_ongoing_requests=1024))
    monkeypatch.setattr(serve, "get_replica_context", lambda: context)


def make(fake: FakeOrchestrator, **kwargs: Any) -> ServeBatchBatcher[str, dict]:
    options = {"max_batch_size": 8, "max_wait_ms": 20.0, "max_queue": 100, **kwargs}
    return ServeBatchBatcher(fake.analyze_batch, **options)  # type: ignore[arg-type]


async def test_concurrent_texts_share_calls_one_at_a_time() -> None:
    fake = FakeOrchestrator(delay_s=0.005)  # the fake asserts it is never called concurrently
    records: list[BatchRecord] = []
    batcher = make(fake, max_batch_size=4, on_batch=records.append)
    await batcher.start()
    texts = [f"t{i}" for i in range(10)]
    results = await asyncio.gather(*batcher.enqueue(texts))
    await batcher.stop()
    assert [text_of(r) for r in results] == texts
    assert [len(b) for b in fake.batches] == [4, 4, 2]
    assert [(r.size, r.ok) for r in records] == [(4, True), (4, True), (2, True)]


async def test_only_the_failing_text_fails() -> None:
    fake = FakeOrchestrator(fail_on={"bad"})
    batcher = make(fake)
    await batcher.start()
    outcomes = await asyncio.gather(*batcher.enqueue(["a", "bad", "c"]), return_exceptions=True)
    await batcher.stop()
    assert [text_of(outcomes[0]), text_of(outcomes[2])] == ["a", "c"]
    assert isinstance(outcomes[1], RuntimeError)
    assert fake.batches[0] == ["a", "bad", "c"]  # the batch, then each text alone


async def test_queue_bound_all_or_none_and_closed_states() -> None:
    fake = FakeOrchestrator(delay_s=0.05)
    batcher = make(fake, max_queue=3)
    with pytest.raises(BatcherClosedError):
        batcher.enqueue(["before start"])
    await batcher.start()
    first = batcher.enqueue(["a", "b"])
    with pytest.raises(QueueFullError):
        batcher.enqueue(["c", "d"])
    assert batcher.queue_depth == 2
    await batcher.stop()  # drains: the queued texts are answered
    assert [text_of(f.result()) for f in first] == ["a", "b"]
    with pytest.raises(BatcherClosedError):
        batcher.enqueue(["after stop"])


async def test_a_cancelled_text_never_reaches_the_model() -> None:
    fake = FakeOrchestrator()
    batcher = make(fake, max_wait_ms=50.0)
    await batcher.start()
    kept, dropped = batcher.enqueue(["kept", "dropped"])
    dropped.cancel()
    assert text_of(await kept) == "kept"
    await batcher.stop()
    assert fake.batches == [["kept"]]


async def test_the_app_serves_through_it() -> None:
    fake = FakeOrchestrator(fail_on={"bad"})
    app = create_app(fake, ServeSettings(), batcher_class=ServeBatchBatcher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            ok, failed = await asyncio.gather(
                client.post("/v1/analyze", json={"texts": ["x", "y"]}),
                client.post("/v1/analyze", json={"texts": ["fine", "bad"]}),
            )
    assert [text_of(r) for r in ok.json()["results"]] == ["x", "y"]
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "inference_failed"
    assert failed.json()["error"]["index"] == 1
