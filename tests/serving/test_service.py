"""AnalysisService: the naive baseline path (serve.batching=false) and readiness."""

from __future__ import annotations

import asyncio

import pytest
from tests.serving.fakes import FakeConfig, FakeOrchestrator, text_of
from tests.serving.harness import serving

from redheart_lit.serving import ServeSettings
from redheart_lit.serving.errors import DeadlineExceededError, NotReadyError
from redheart_lit.serving.request import AnalyzeRequest
from redheart_lit.serving.service import AnalysisService

pytestmark = pytest.mark.anyio


def texts(*items: str) -> AnalyzeRequest:
    return AnalyzeRequest(texts=items, field="texts")


async def test_naive_mode_sends_each_request_whole_and_one_at_a_time() -> None:
    fake = FakeOrchestrator(FakeConfig(cache_size=0), delay_s=0.01)  # asserts no overlap
    service = AnalysisService(fake, ServeSettings(batching=False, cache_size=0))
    await service.start()
    results = await asyncio.gather(
        service.analyze(texts("a", "b")), service.analyze(texts("c")), service.analyze(texts("d"))
    )
    await service.stop()
    assert [[text_of(r) for r in rs] for rs in results] == [["a", "b"], ["c"], ["d"]]
    assert sorted(fake.batches) == [["a", "b"], ["c"], ["d"]]


async def test_naive_mode_timeout_does_not_let_the_next_request_overlap() -> None:
    fake = FakeOrchestrator(delay_s=0.2)
    service = AnalysisService(fake, ServeSettings(batching=False, request_timeout_s=0.05))
    await service.start()
    with pytest.raises(DeadlineExceededError):
        await service.analyze(texts("slow"))
    fake.delay_s = 0.0
    # The slow call still holds the model; this one waits for it (the fake would raise
    # on overlap) and then runs within its own deadline.
    with pytest.raises(DeadlineExceededError):
        await service.analyze(texts("queued behind"))
    await asyncio.sleep(0.25)
    assert [text_of(r) for r in await service.analyze(texts("later"))] == ["later"]
    await service.stop()


async def test_naive_mode_over_http_with_metrics() -> None:
    async with serving(batching=False, cache_size=0) as s:
        response = await s.client.post("/v1/analyze", json={"texts": ["x", "y", "z"]})
        assert response.status_code == 200
        metrics = (await s.client.get("/metrics")).text
    assert "redheart_batch_size_sum 3.0" in metrics
    assert "redheart_queue_depth 0.0" in metrics


async def test_not_ready_before_start_and_after_stop() -> None:
    service = AnalysisService(FakeOrchestrator(), ServeSettings())
    assert not service.ready
    with pytest.raises(NotReadyError):
        await service.analyze(texts("a"))
    await service.start()
    assert service.ready
    await service.stop()
    assert not service.ready
    with pytest.raises(NotReadyError):
        await service.analyze(texts("a"))
