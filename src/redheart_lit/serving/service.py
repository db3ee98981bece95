"""One analysis path for every front end (HTTP and MCP): validate, batch, enforce the deadline.

``serve.batching=true`` sends each text through the :class:`MicroBatcher` (or, under Ray
Serve with ``serve.ray_batching=serve_batch``, through ``@serve.batch``: ``ray_batcher.py``);
``serve.batching=false`` is the naive baseline the benchmark compares against: each request
goes straight to the model, one request at a time, texts as they came.

With ``serve.helping_ai=true`` the LLM helper (``helping_ai.py``) asks about each text
while the model runs, and its section is added to each result; the model's analysis is
returned as it is, whatever the helper does.

Requests with images, audio or biosignals (``AnalyzeRequest.items``) send their texts down
the same path and their media to a thread pool of their own (:data:`MEDIA_WORKERS`), so a
slow decode never holds the event loop or the text model's thread. With batching on, the
face crops those threads find go through a second :class:`MicroBatcher` (the same class,
another queue) to the expression classifier, so the faces of concurrent requests share
one forward call (:meth:`AnalysisService.face_batch_sizes` records each call's size).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import numpy as np

from redheart_lit.inference.multimodal import gather_and_merge
from redheart_lit.serving.batcher import (
    Batcher,
    BatcherClosedError,
    BatchRecord,
    MicroBatcher,
    QueueFullError,
)
from redheart_lit.serving.errors import (
    DeadlineExceededError,
    InferenceFailedError,
    InputTooLargeError,
    InvalidInputError,
    NotReadyError,
    OverloadedError,
)
from redheart_lit.serving.helping_ai import HelpingAI
from redheart_lit.serving.metrics import ServeMetrics
from redheart_lit.serving.protocol import AnalysisBackend
from redheart_lit.serving.request import AnalyzeRequest, check_cultures, check_texts
from redheart_lit.serving.settings import ServeSettings

log = logging.getLogger(__name__)
Result = dict[str, Any]
# What the micro-batcher queues: a text and its culture (None: the server's).
TextJob = tuple[str, str | None]
T = TypeVar("T")
# Builds the batcher from MicroBatcher's keyword arguments: MicroBatcher itself, or the
# @serve.batch one of serving/ray_batcher.py (serve.ray_batching=serve_batch).
BatcherClass = Callable[..., Batcher[TextJob, Result]]
# Threads decoding and encoding media. Two: one slow clip does not queue the next
# request's image behind it, and the 2-core reference machine keeps a core for the model.
MEDIA_WORKERS = 2


class AnalysisService:
    """Turns an :class:`AnalyzeRequest` into one result per text, or a typed ServeError."""

    def __init__(
        self,
        analyzer: AnalysisBackend,
        settings: ServeSettings,
        metrics: ServeMetrics | None = None,
        helper: HelpingAI | None = None,
        batcher_class: BatcherClass = MicroBatcher,
    ) -> None:
        self.analyzer = analyzer
        self.settings = settings
        # Closed by stop(): the service owns it once given.
        self.helper = helper
        self._metrics = metrics
        self._started = False
        self._stopping = False
        self._batcher: Batcher[TextJob, Result] | None = None
        self._naive_executor: ThreadPoolExecutor | None = None
        self._naive_lock: asyncio.Lock | None = None
        self._media_executor: ThreadPoolExecutor | None = None
        # The image encoder's classifier behind a micro-batcher (see the module docstring).
        self._image = getattr(getattr(analyzer, "modalities", None), "image", None)
        self._face_batcher: MicroBatcher[np.ndarray, np.ndarray] | None = None
        self._face_sizes: list[int] = []
        self._unbatched_classify: Callable[[list[np.ndarray]], np.ndarray] | None = None
        on_batch = metrics.observe_batch if metrics else None
        if settings.batching:
            self._batcher = batcher_class(
                self._analyze_jobs,
                max_batch_size=settings.max_batch_size,
                max_wait_ms=settings.max_wait_ms,
                max_queue=settings.max_queue,
                on_batch=on_batch,
            )
        if metrics is not None:
            metrics.track_queue_depth(self.queue_depth)

    @property
    def ready(self) -> bool:
        """Started, not shutting down, and (when batching) the batch loop is alive."""
        if not self._started or self._stopping:
            return False
        return self._batcher is None or self._batcher.running

    @property
    def version(self) -> str:
        return self.analyzer.version

    def queue_depth(self) -> int:
        return self._batcher.queue_depth if self._batcher is not None else 0

    def face_batch_sizes(self) -> list[int]:
        """Faces per classifier call made through the face batcher, in order (empty when
        the server runs no image encoder or batching is off)."""
        return list(self._face_sizes)

    async def start(self) -> None:
        self._media_executor = ThreadPoolExecutor(
            max_workers=MEDIA_WORKERS, thread_name_prefix="redheart-media"
        )
        if self._image is not None and self.settings.batching:
            await self._batch_faces(self._image)
        if self._batcher is not None:
            await self._batcher.start()
        else:
            # One thread: the model is never called concurrently, as with the batcher.
            self._naive_executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="redheart-naive"
            )
            self._naive_lock = asyncio.Lock()
        self._started = True

    async def stop(self) -> None:
        """Finish the queued work, then release the worker thread."""
        self._stopping = True
        if self._batcher is not None:
            await self._batcher.stop(drain=True)
        if self._naive_executor is not None:
            # Off the event loop: a model call still running may take a while to end.
            await asyncio.to_thread(self._naive_executor.shutdown, True)
        if self.helper is not None:
            await self.helper.close()
        if self._media_executor is not None:
            await asyncio.to_thread(self._media_executor.shutdown, True)
        if self._face_batcher is not None:
            await self._face_batcher.stop(drain=True)
            self._image.classify = self._unbatched_classify  # type: ignore[union-attr]

    async def _batch_faces(self, image: Any) -> None:
        """Route ``image.classify`` through a micro-batcher of face crops.

        The media threads call ``classify(crops)`` and block on the batched answer; the
        batcher, on the event loop, gathers the crops of every thread waiting, runs the
        encoder's own ``logits`` once on all of them in its thread, and hands each crop its
        row. The text model's batcher settings apply (``max_batch_size``, ``max_wait_ms``).
        """
        loop = asyncio.get_running_loop()
        classify = image.classify
        self._unbatched_classify = classify

        def run(crops: list[np.ndarray]) -> list[np.ndarray]:
            return list(classify(crops))

        def record(batch: BatchRecord) -> None:
            self._face_sizes.append(batch.size)

        batcher: MicroBatcher[np.ndarray, np.ndarray] = MicroBatcher(
            run,
            max_batch_size=self.settings.max_batch_size,
            max_wait_ms=self.settings.max_wait_ms,
            max_queue=self.settings.max_queue,
            on_batch=record,
        )
        await batcher.start()
        self._face_batcher = batcher

        async def gather(crops: list[np.ndarray]) -> list[np.ndarray]:
            return list(await asyncio.gather(*batcher.enqueue(crops)))

        def batched(crops: list[np.ndarray]) -> np.ndarray:
            # Called from a media thread, never from the loop (it would block it).
            return np.stack(asyncio.run_coroutine_threadsafe(gather(crops), loop).result())

        image.classify = batched

    def deadline(self) -> float:
        """The event-loop time by which a request arriving now must be answered."""
        return asyncio.get_running_loop().time() + self.settings.request_timeout_s

    async def within(self, awaitable: Awaitable[T], deadline: float) -> T:
        """``await awaitable``, or DeadlineExceededError (504) once ``deadline`` has passed."""
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(awaitable, max(remaining, 0.0))
        except asyncio.TimeoutError:
            raise DeadlineExceededError(
                f"no answer within serve.request_timeout_s={self.settings.request_timeout_s} s"
            ) from None

    async def analyze(
        self, request: AnalyzeRequest, *, deadline: float | None = None
    ) -> list[Result]:
        """One result per text, in order, by ``deadline`` (default: ``request_timeout_s`` from now).

        The HTTP route passes the deadline it set when the request arrived, so reading a
        slow body counts against the same budget. Raises InvalidTextError (422),
        OverloadedError (503), NotReadyError (503), DeadlineExceededError (504) or
        InferenceFailedError (500).
        """
        deadline = self.deadline() if deadline is None else deadline
        if not self.ready:
            raise NotReadyError("the model is not ready (starting up or shutting down)")
        check_cultures(request, self.analyzer.check_request_culture)
        if request.items is not None:
            results = await self.within(self._multimodal(request), deadline)
            if self._metrics is not None:
                # Per item, under what it carried (``text+image``, ``audio``...): the
                # dashboard's per-modality counts.
                for item, result in zip(request.items, results, strict=True):
                    given = (["text"] if item.text is not None else []) + list(item.media())
                    self._metrics.observe_results([item.text or ""], [result], "+".join(given))
            return results
        check_texts(request, self.analyzer.validate_text)
        cultures = request.text_cultures()
        run = (
            self._batched(request, cultures)
            if self._batcher is not None
            else self._naive(request, cultures)
        )
        if self.helper is None:
            results = await self.within(run, deadline)
        else:
            results = await self._with_helper(request, run, deadline)
        if self._metrics is not None:
            self._metrics.observe_results(request.texts, results)
        return results

    async def _with_helper(
        self, request: AnalyzeRequest, run: Awaitable[list[Result]], deadline: float
    ) -> list[Result]:
        """The model's results, each with the helper's ``helping_ai`` section added.

        The helper asks while the model runs (each distinct text once); its deadline ends
        no later than the request's, and a failure is its section's ``error``.
        """
        assert self.helper is not None
        helper_deadline = self.helper.deadline(deadline)
        asking = {
            text: asyncio.ensure_future(self.helper.annotate(text, helper_deadline))
            for text in dict.fromkeys(request.texts)
        }
        try:
            results = await self.within(run, deadline)
            sections = {text: await task for text, task in asking.items()}
        finally:
            for task in asking.values():
                task.cancel()  # the analysis failed: nobody waits for the helper any more
        # A new dict per result, so the analysis itself is not touched; a section of its
        # own per result, so a duplicate text's results do not share one.
        return [
            {**result, "helping_ai": copy.deepcopy(sections[text])}
            for result, text in zip(results, request.texts, strict=True)
        ]

    async def _multimodal(self, request: AnalyzeRequest) -> list[Result]:
        """Texts through the text path, media through the media threads, then merged."""
        assert request.items is not None
        backend = self.analyzer
        encode = getattr(backend, "encode_modalities", None)
        merge = getattr(backend, "merge", None)
        if encode is None or merge is None:
            raise InvalidInputError("this server analyzes text only")
        check_texts(request, backend.validate_text)
        text_job: Awaitable[list[Result]] | None = None
        if request.texts:
            run = self._batched if self._batcher is not None else self._naive
            text_request = AnalyzeRequest(texts=request.texts, field="texts")
            text_job = run(text_request, request.text_cultures())
        loop = asyncio.get_running_loop()
        media_jobs = [
            loop.run_in_executor(self._media_executor, partial(encode, **given)) if given else None
            for given in (item.media() for item in request.items)
        ]
        return await gather_and_merge(
            text_job,
            media_jobs,
            [item.text is not None for item in request.items],
            merge,
            partial(self._media_failed, request),
        )

    @staticmethod
    def _media_failed(request: AnalyzeRequest, index: int, err: BaseException) -> Exception:
        """ModalityError/InputError -> 413/422 naming the field and item; else 500."""
        item_index = index if request.field == "items" else None
        if isinstance(err, ValueError):
            name = getattr(err, "field", None)
            where = request.where_field(index, name) if name else request.where(index)
            message = str(err)
            if name and message.startswith(f"{name}: "):
                message = message[len(name) + 2 :]
            error = InputTooLargeError if getattr(err, "too_large", False) else InvalidInputError
            return error(f"{where}: {message}", index=item_index)
        log.error("media failed on item %d: %s: %s", index, type(err).__name__, err)
        return InferenceFailedError(
            f"{request.where(index)}: the media encoder failed: {type(err).__name__}: {err}",
            index=item_index,
        )

    def _analyze_jobs(self, jobs: list[TextJob]) -> list[Result]:
        """The batcher's call: texts of any cultures in one model call."""
        return self.analyzer.analyze_batch([text for text, _ in jobs], [c for _, c in jobs])

    async def _batched(self, request: AnalyzeRequest, cultures: list[str | None]) -> list[Result]:
        assert self._batcher is not None
        try:
            futures = self._batcher.enqueue(list(zip(request.texts, cultures, strict=True)))
        except QueueFullError as err:
            raise OverloadedError(f"the server is overloaded ({err}); retry later") from None
        except BatcherClosedError:
            raise NotReadyError("the server is shutting down") from None
        # Cancelling this gather (the deadline) cancels every future, and the batcher
        # then skips the texts nobody waits for any more.
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        results: list[Result] = []
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, BatcherClosedError):
                raise NotReadyError("the server is shutting down") from None
            if isinstance(outcome, BaseException):
                raise self._failed(request, index, outcome)
            results.append(outcome)
        return results

    async def _naive(self, request: AnalyzeRequest, cultures: list[str | None]) -> list[Result]:
        executor, lock = self._naive_executor, self._naive_lock
        assert executor is not None
        assert lock is not None
        loop = asyncio.get_running_loop()
        texts = list(request.texts)
        # The lock orders requests; the job itself releases it when done, so a request
        # that times out while the model runs does not let the next one start early.
        await lock.acquire()
        try:
            job = executor.submit(self._timed_call, texts, cultures)
        except RuntimeError:  # the executor was shut down under us
            lock.release()
            raise NotReadyError("the server is shutting down") from None
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(lock.release))
        try:
            results, seconds = await asyncio.wrap_future(job)
        except Exception as err:
            raise self._failed(request, None, err) from None
        if self._metrics is not None:
            self._metrics.observe_batch(BatchRecord(size=len(texts), seconds=seconds, ok=True))
        return results

    def _timed_call(
        self, texts: list[str], cultures: list[str | None]
    ) -> tuple[list[Result], float]:
        start = time.perf_counter()
        results = self.analyzer.analyze_batch(texts, cultures)
        if len(results) != len(texts):
            raise RuntimeError(
                f"analyze_batch returned {len(results)} results for {len(texts)} texts"
            )
        return results, time.perf_counter() - start

    @staticmethod
    def _failed(
        request: AnalyzeRequest, index: int | None, err: BaseException
    ) -> InferenceFailedError:
        where = request.where(index) if index is not None else "request"
        log.error("inference failed on %s: %s: %s", where, type(err).__name__, err)
        item_index = index if request.field == "texts" else None
        return InferenceFailedError(
            f"{where}: the model failed: {type(err).__name__}: {err}", index=item_index
        )
