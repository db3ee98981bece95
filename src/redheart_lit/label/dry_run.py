"""``dry_run=true``: show what would be sent, and roughly what it would cost, sending nothing.

Prints the messages of the first ``dry_run_rows`` rows that need a request, the
``response_format`` every request carries, and a token estimate for the whole file. The
estimate counts UTF-8 bytes / 3 per prompt: a deliberately high guess for English (about
4 bytes a token) that stays in range for Korean (3 bytes a character, often one token or
more each). Only the server's tokenizer knows the real count; the run counts what it
reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TextIO

from redheart_lit.label.cache import AnswerCache
from redheart_lit.label.run import Job, build_jobs, read_rows
from redheart_lit.label.schema import response_format
from redheart_lit.label.settings import LabelSettings
from redheart_lit.llm.budget import Budget

BYTES_PER_TOKEN = 3


@dataclass(frozen=True)
class Estimate:
    """Rows by what they need, and the tokens the uncached ones would take."""

    rows: int
    complete: int
    cached: int
    to_ask: int
    prompt_tokens: int
    # Upper bound: every answer as long as llm.max_answer_tokens (None when unset).
    completion_tokens_max: int | None


def prompt_tokens(job: Job) -> int:
    size = sum(len(m["content"].encode("utf-8")) for m in job.messages)
    return -(-size // BYTES_PER_TOKEN)  # ceiling


def estimate(settings: LabelSettings, jobs: list[Job]) -> Estimate:
    cache = AnswerCache(settings.cache_dir)
    asking = [j for j in jobs if j.need and not cache.has(j.key)]
    complete = sum(not j.need for j in jobs)
    per_answer = settings.llm.max_answer_tokens
    return Estimate(
        rows=len(jobs),
        complete=complete,
        cached=len(jobs) - complete - len(asking),
        to_ask=len(asking),
        prompt_tokens=sum(prompt_tokens(j) for j in asking),
        completion_tokens_max=None if per_answer is None else per_answer * len(asking),
    )


def dry_run(settings: LabelSettings, out: TextIO) -> Estimate:
    """Print the first prompts, the schema and the estimate to ``out``."""
    jobs = build_jobs(read_rows(settings.input), settings)
    shown = [j for j in jobs if j.need][: settings.dry_run_rows]
    for job in shown:
        print(f"== row {job.row['id']} (line {job.line}); fills {', '.join(job.need)}", file=out)
        print(json.dumps(job.messages, ensure_ascii=False, indent=2), file=out)
    print("== response_format (the same for every request)", file=out)
    print(json.dumps(response_format(), indent=2), file=out)
    found = estimate(settings, jobs)
    llm = settings.llm
    print("== estimate (no request sent)", file=out)
    print(
        f"{found.rows} row(s): {found.to_ask} to ask, {found.cached} cached, "
        f"{found.complete} already complete",
        file=out,
    )
    print(f"prompt tokens: about {found.prompt_tokens} (UTF-8 bytes / 3)", file=out)
    if found.completion_tokens_max is not None:
        print(
            f"completion tokens: at most {found.completion_tokens_max} "
            f"({found.to_ask} x llm.max_answer_tokens={llm.max_answer_tokens})",
            file=out,
        )
        total = found.prompt_tokens + found.completion_tokens_max
        print(f"total: at most about {total}, before retries of invalid answers", file=out)
        cost = Budget.from_settings(llm).price(found.prompt_tokens, found.completion_tokens_max)
        if cost is not None:
            print(f"cost: at most about {cost:.4f}", file=out)
        if llm.max_tokens_total is not None and total > llm.max_tokens_total:
            print(
                f"note: this may pass llm.max_tokens_total={llm.max_tokens_total}; the run "
                "would stop there (exit 3) and a rerun would resume",
                file=out,
            )
    return found
