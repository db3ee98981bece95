"""The report of benchmarks/gpu.py: each goal with its measured value, the design's claims,
and the markdown table printed at the end.

A goal is met, missed, or null with the reason (no GPU, not an H100, serving failed):
a CPU figure is never graded against a GPU goal.
"""

from __future__ import annotations

from typing import Any

from gpu_serving import SERVE_BATCH

MEMORY_BUDGET_GIB = 7.5
MFU_GOAL = 0.40
P50_GOAL_MS = 20.0
BATCHED_GOAL_TEXTS_PER_S = 1000.0


def _goal(
    goal: str, value: float | None, met: bool | None, reason: str | None = None
) -> dict[str, Any]:
    return {"goal": goal, "value": value, "met": met, "reason": reason}


def goals(report: dict[str, Any], device_name: str | None) -> list[dict[str, Any]]:
    """Each goal of the issue with its measured value: met, missed, or null with the reason."""
    main, serve = report["runs"][0], report["serving"]
    gpu_reason = None if device_name else "no GPU: the --tiny run is on CPU"
    h100_reason = gpu_reason or (
        None if "H100" in str(device_name) else f"the goal is for an H100; ran on {device_name}"
    )
    rows = []
    for key in ("peak_allocated_gib", "peak_reserved_gib"):
        value = main[key]
        rows.append(_goal(
            f"{key} of full_330m trainer=8gb < {MEMORY_BUDGET_GIB} GiB", value,
            None if value is None else value < MEMORY_BUDGET_GIB, gpu_reason,
        ))  # fmt: skip
    serve_reason = None if "error" not in serve else "serving failed: " + serve["error"]
    checks = (
        (f"MFU of the main run >= {MFU_GOAL:.0%} on an H100", main["mfu"], None,
         lambda v: v >= MFU_GOAL),
        (f"single-text p50 < {P50_GOAL_MS:g} ms on an H100",
         serve.get("single_text", {}).get("p50_ms"), serve_reason, lambda v: v < P50_GOAL_MS),
        (f"batch-32 throughput > {BATCHED_GOAL_TEXTS_PER_S:g} texts/s on an H100",
         serve.get("batch_32", {}).get("texts_per_s"), serve_reason,
         lambda v: v > BATCHED_GOAL_TEXTS_PER_S),
    )  # fmt: skip
    for goal, value, failed, test in checks:
        reason = gpu_reason or failed or h100_reason
        shown = value if device_name else None  # a CPU figure is no answer to a GPU goal
        rows.append(_goal(goal, shown, test(value) if reason is None else None, reason))
    return rows


def claims(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The design's claims next to what was measured here; not graded (other machines)."""
    main, serve = report["runs"][0], report["serving"]
    gpu = report["measured_on_gpu"]
    single = serve.get("single_text", {})
    return [
        {"claim": "120 samples/s training full_330m with trainer=8gb on an 8 GB card",
         "measured": main["samples_per_s"] if gpu else None, "on": report["machine"]["gpu"]},
        {"claim": "200 ms for a single text", "measured": single.get("p50_ms") if gpu else None,
         "on": report["machine"]["gpu"]},
        {"claim": "65 requests/s", "measured": single.get("texts_per_s") if gpu else None,
         "on": report["machine"]["gpu"]},
    ]  # fmt: skip


def markdown(report: dict[str, Any]) -> str:
    """The report as printed: the FLOP count, one row per run, serving, and the goals."""

    def cell(value: Any, digits: int = 2) -> str:
        if value is None:
            return "-"
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    lines = [
        f"Mode: {report['mode']} on {report['machine']['gpu'] or report['machine']['cpu']}; "
        f"model FLOPs/sample {report['flops']['flops_per_sample'] / 1e9:.3f} GFLOP "
        f"(counted / by hand {report['flops']['counted_over_by_hand']}; "
        f"{report['flops']['params'] / 1e6:.2f}M parameters)",
        "",
        "| run | precision | ckpt | optimizer state | compile | samples/s | median step ms | "
        "samples/s at median | recompiles timed | peak alloc GiB | peak reserved GiB | MFU |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["runs"]:
        if "error" in r:
            lines.append(f"| {r['name']} | failed: {r['error']} |" + " |" * 10)
            continue
        lines.append(
            f"| {r['name']} | {r['precision']} | {'on' if r['gradient_checkpointing'] else 'off'} | "
            f"{'8-bit' if r['optimizer_8bit'] else '32-bit'} ({r['optimizer_state_mib']} MiB) | "
            f"{'on' if r['compile'] else 'off'} | {cell(r['samples_per_s'])} | "
            f"{cell(r['median_step_s'] * 1000, 1)} | {cell(r['samples_per_s_at_median_step'])} | "
            f"{r['graphs_compiled_while_timed']} | {cell(r['peak_allocated_gib'])} | "
            f"{cell(r['peak_reserved_gib'])} | {cell(r['mfu'], 3)} |"
        )
    for skip in report["skipped_runs"]:
        lines.append(f"| {skip['name']} | skipped: {skip['reason']} |" + " |" * 10)
    s = report["serving"]
    if "error" in s:
        lines += ["", f"Serving failed: {s['error']}"]
    else:
        lines += [
            "",
            f"Serving ({s['device']}, {s['precision']}, cache off): single text p50 "
            f"{s['single_text']['p50_ms']} ms, p95 {s['single_text']['p95_ms']} ms "
            f"(encoders alone p50 {s['single_text']['encode_only_p50_ms']} ms); batches of "
            f"{SERVE_BATCH}: {s['batch_32']['texts_per_s']} texts/s",
        ]
    lines += ["", "| goal | value | met |", "|---|---:|---|"]
    for g in report["goals"]:
        met = {True: "met", False: "**missed**", None: f"null ({g['reason']})"}[g["met"]]
        lines.append(f"| {g['goal']} | {cell(g['value'], 3)} | {met} |")
    return "\n".join(lines)
