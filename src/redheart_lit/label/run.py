"""A labelling run: read the records, ask for what each one lacks, write the results.

For each row, in this order:

1. nothing to fill (``merge.needed`` is empty): written as it is, no request;
2. a cached answer for its key: merged, no request (a cached rejection is reused unless
   ``retry_rejects=true``);
3. otherwise up to ``llm.concurrency`` rows at once are asked; an answer that fails
   validation is asked again with the errors, up to ``llm.max_retries`` times; each
   final answer or rejection is cached the moment it arrives.

The run stops early, cleanly, when a budget cap is reached (exit 3), the server refuses
the requests themselves (exit 4), or ``llm.stop_after_failed_rows`` rows in a row fail to
reach it (exit 5): requests in flight finish, and every finished row is written. A run
that ends with rows it could not send (rejected as ``transport``) exits 5 too, so that
scripts notice; a rerun asks for them again. Rows written go to ``output`` in input order; rows that could not be labelled go
to ``<output>.rejects.jsonl`` with the reason; rows never reached are counted in the
summary, and a rerun picks them up (the finished ones come from the cache).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from redheart_lit.data.schema import load_jsonl, write_jsonl
from redheart_lit.label.cache import AnswerCache, cache_key
from redheart_lit.label.merge import given_counterfactual, merge, needed
from redheart_lit.label.progress import RunProgress
from redheart_lit.label.prompts import PROMPT_VERSION, row_messages
from redheart_lit.label.schema import response_format, schema_digest, validate_answer
from redheart_lit.label.settings import LabelSettings
from redheart_lit.llm.ask import ask_validated
from redheart_lit.llm.budget import Budget
from redheart_lit.llm.client import ChatClient, ServerRefusedError, TransportError
from redheart_lit.llm.prompts import Message
from redheart_lit.llm.settings import LLMSettings

log = logging.getLogger(__name__)

EXIT_OK, EXIT_BUDGET, EXIT_REFUSED, EXIT_TRANSPORT, EXIT_INTERRUPTED = 0, 3, 4, 5, 130
# The last answer kept in a rejects line, in characters.
_ANSWER_CHARS = 2000

Kind = Literal["labelled", "kept", "rejected", "unfinished"]


@dataclass(frozen=True)
class Job:
    """One input row and what asking for it takes."""

    index: int
    line: int
    row: dict[str, Any]
    need: list[str]
    messages: list[Message]
    key: str

    @property
    def has_given_counterfactual(self) -> bool:
        return given_counterfactual(self.row) is not None


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    record: dict[str, Any] | None = None
    reject: dict[str, Any] | None = None


@dataclass
class RunSummary:
    """Counts of a run, its spend and how it ended."""

    rows: int
    labelled: int = 0
    kept: int = 0
    rejected: int = 0
    unfinished: int = 0
    cached: int = 0
    # Rejected because no answer came (not cached; a rerun asks again).
    unsent: int = 0
    budget: Budget = field(default_factory=Budget)
    stop_reason: str | None = None
    exit_code: int = EXIT_OK

    def lines(self, settings: LabelSettings) -> list[str]:
        out = [
            f"{self.rows} row(s): {self.labelled} labelled ({self.cached} from the cache), "
            f"{self.kept} already complete, {self.rejected} rejected, "
            f"{self.unfinished} not reached",
            f"spent: {self.budget.summary()}",
            f"wrote {settings.output} ({self.labelled + self.kept} rows) and "
            f"{settings.rejects} ({self.rejected} rows)",
        ]
        if self.unsent:
            out.append(
                f"{self.unsent} rejected row(s) got no answer from the server; a rerun asks again"
            )
        if self.stop_reason:
            out.insert(0, f"stopped early: {self.stop_reason}")
            out.append("rerun the same command to resume; finished answers are cached")
        return out


def read_rows(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line, record object)`` of every record, after the file passes the validator."""
    load_jsonl(path)  # raises DataError naming every bad row
    rows = []
    # newline="\n": lines split as load_jsonl splits them, so the line numbers agree.
    with Path(path).open(encoding="utf-8", newline="\n") as handle:
        for line, text in enumerate(handle, start=1):
            if text.strip():
                rows.append((line, json.loads(text)))
    return rows


def generation(llm: LLMSettings) -> dict[str, Any]:
    """The request settings an answer depends on (part of the cache key)."""
    return {
        "temperature": llm.temperature,
        "seed": llm.seed,
        "max_answer_tokens": llm.max_answer_tokens,
        "extra_body": llm.extra_body,
    }


def build_jobs(rows: list[tuple[int, dict[str, Any]]], settings: LabelSettings) -> list[Job]:
    schema = schema_digest()
    jobs = []
    for index, (line, row) in enumerate(rows):
        messages = row_messages(row["text"], row["lang"], given_counterfactual(row))
        key = cache_key(
            settings.llm.model, PROMPT_VERSION, schema, messages, generation(settings.llm)
        )
        need = needed(row, settings.overwrite)
        jobs.append(Job(index, line, row, need, messages, key))
    return jobs


def response_hash(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _RunStoppedError(Exception):
    """The run is stopping (budget or a refused request); this row is not finished."""


class Labeller:
    """Asks for the rows of one run; its outcomes fill in as answers arrive."""

    def __init__(
        self,
        settings: LabelSettings,
        client: ChatClient,
        cache: AnswerCache,
        budget: Budget,
        on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    ) -> None:
        self.settings, self.client, self.cache, self.budget = settings, client, cache, budget
        self.on_outcome = on_outcome
        self.outcomes: list[Outcome | None] = []
        self.from_cache = 0
        self.failed_in_a_row = 0
        self.transport_failures = 0
        self.stop_reason: str | None = None
        self.exit_code = EXIT_OK
        self._format = response_format()

    async def run(self, jobs: list[Job]) -> list[Outcome | None]:
        self.outcomes = [None] * len(jobs)
        gate = asyncio.Semaphore(self.settings.llm.concurrency)
        await asyncio.gather(*(self._settle(job, gate) for job in jobs))
        return self.outcomes

    async def _settle(self, job: Job, gate: asyncio.Semaphore) -> None:
        outcome = await self._one(job, gate)
        self.outcomes[job.index] = outcome
        self.on_outcome(outcome)

    async def _one(self, job: Job, gate: asyncio.Semaphore) -> Outcome:
        if not job.need:
            return Outcome("kept", record=job.row)
        entry = self.cache.get(job.key)
        if entry is not None and (entry["status"] == "ok" or not self.settings.retry_rejects):
            try:
                outcome = self._outcome(job, entry)
            except (KeyError, ValidationError) as err:
                log.warning("row %s: cached answer unusable (%s); asking again", job.row["id"], err)
            else:
                self.from_cache += entry["status"] == "ok"
                return outcome
        async with gate:
            if self.stop_reason:
                return Outcome("unfinished")
            try:
                entry = await self._ask(job)
            except TransportError as err:
                self._transport_failed()
                # Not an answer: not cached, so a later run asks again.
                return Outcome("rejected", reject=self._reject(job, f"transport: {err}", [], ""))
            except _RunStoppedError:
                return Outcome("unfinished")
        self.failed_in_a_row = 0
        self.cache.put(job.key, entry)
        return self._outcome(job, entry)

    def _transport_failed(self) -> None:
        self.transport_failures += 1
        self.failed_in_a_row += 1
        limit = self.settings.llm.stop_after_failed_rows
        if self.failed_in_a_row >= limit:
            self._stop(f"{limit} rows in a row could not reach the server", EXIT_TRANSPORT)

    def _stop(self, reason: str, code: int) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.exit_code = reason, code
            log.error("stopping: %s", reason)

    def _check_running(self) -> None:
        """Before each request: stop at the budget cap, and once the run is stopping."""
        if reason := self.budget.exhausted():
            self._stop(reason, EXIT_BUDGET)
        if self.stop_reason:
            raise _RunStoppedError

    async def _ask(self, job: Job) -> dict[str, Any]:
        """The cache entry of this row: a validated answer, or a rejection after retries."""
        try:
            asked = await ask_validated(
                self.client,
                job.messages,
                self._format,
                lambda content: validate_answer(content, job.has_given_counterfactual),
                max_retries=self.settings.llm.max_retries,
                budget=self.budget,
                before_each=self._check_running,
            )
        except ServerRefusedError as err:
            self._stop(str(err), EXIT_REFUSED)
            raise _RunStoppedError from None
        for found in asked.problems:
            log.info("row %s (line %d): invalid answer\n%s", job.row["id"], job.line, found)
        content, problems = asked.completion.content, asked.problems
        if asked.answer is not None:
            return self._entry("ok", content, asked.usage, asked.attempts, answer=asked.answer)
        reason = f"invalid answer after {len(problems)} attempt(s); last:\n{problems[-1]}"
        entry = self._entry("rejected", content, asked.usage, asked.attempts)
        return {**entry, "reason": reason, "problems": problems}

    def _entry(
        self, status: str, content: str, usage: dict[str, int], attempts: int, answer: Any = None
    ) -> dict[str, Any]:
        return {
            "status": status,
            "model": self.settings.llm.model,
            "prompt_version": PROMPT_VERSION,
            "time": now(),
            "answer": answer.model_dump() if answer is not None else None,
            "content": content,
            "response_hash": response_hash(content),
            "usage": usage,
            "attempts": attempts,
        }

    def _outcome(self, job: Job, entry: dict[str, Any]) -> Outcome:
        if entry["status"] != "ok":
            reject = self._reject(job, entry["reason"], entry["problems"], entry["content"])
            return Outcome("rejected", reject=reject)
        # Validated again: a cache entry is a file, and files can be edited.
        answer = validate_answer(json.dumps(entry["answer"]), job.has_given_counterfactual)
        provenance = {
            "model": entry["model"],
            "prompt_version": entry["prompt_version"],
            "time": entry["time"],
            "response_hash": entry["response_hash"],
        }
        return Outcome("labelled", record=merge(job.row, answer, job.need, provenance))

    def _reject(self, job: Job, reason: str, problems: list[str], content: str) -> dict[str, Any]:
        return {
            "id": job.row["id"],
            "line": job.line,
            "reason": reason,
            "problems": problems,
            "answer": content[:_ANSWER_CHARS],
            "record": job.row,
        }


def write_results(settings: LabelSettings, outcomes: list[Outcome | None]) -> None:
    """The finished rows in input order, and the rejects; the output is validated."""
    records = [o.record for o in outcomes if o is not None and o.record is not None]
    rejects = [o.reject for o in outcomes if o is not None and o.reject is not None]
    write_jsonl(settings.output, records)
    write_jsonl(settings.rejects, rejects)
    if records:
        load_jsonl(settings.output)  # what trains must pass the validator; a bug otherwise


def summarise(outcomes: list[Outcome | None], labeller: Labeller, budget: Budget) -> RunSummary:
    kinds = [o.kind if o is not None else "unfinished" for o in outcomes]
    return RunSummary(
        rows=len(outcomes),
        labelled=kinds.count("labelled"),
        kept=kinds.count("kept"),
        rejected=kinds.count("rejected"),
        unfinished=kinds.count("unfinished"),
        cached=labeller.from_cache,
        unsent=labeller.transport_failures,
        budget=budget,
        stop_reason=labeller.stop_reason,
        exit_code=labeller.exit_code or (EXIT_TRANSPORT if labeller.transport_failures else 0),
    )


def label_file(
    settings: LabelSettings, api_key: str | None, client: ChatClient | None = None
) -> RunSummary:
    """Label ``settings.input`` into ``settings.output``; the summary says how it ended.

    Interrupted (Ctrl-C), it still writes every finished row before it returns with exit
    code 130.
    """
    jobs = build_jobs(read_rows(settings.input), settings)
    budget = Budget.from_settings(settings.llm)
    client = client or ChatClient(settings.llm, api_key)
    cache = AnswerCache(settings.cache_dir)
    with RunProgress(len(jobs), budget, settings.progress) as bar:
        labeller = Labeller(
            settings,
            client,
            cache,
            budget,
            on_outcome=lambda o: bar.advance(rejected=o.kind == "rejected"),
        )

        async def main() -> None:
            try:
                await labeller.run(jobs)
            finally:
                await client.close()

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            labeller.stop_reason, labeller.exit_code = "interrupted", EXIT_INTERRUPTED
    outcomes = labeller.outcomes or [None] * len(jobs)
    write_results(settings, outcomes)
    return summarise(outcomes, labeller, budget)
