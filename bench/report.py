"""Render bench/results.md from the raw benchmark figures (machine, tables, targets, where the time goes)."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import report_text

FULL, NOOP, FLOOR = "full refresh (in-process)", "no-op refresh (in-process)", "floor (plain DuckDB script)"
GIB = 1024.0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_info() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    versions = {}
    for pkg in ("duckdb", "dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "pandas"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "absent"
    repo = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(), "os": f"{platform.system()} {platform.release()}",
        "versions": versions, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit.stdout.strip() + (" (+ uncommitted changes)" if dirty.stdout.strip() else ""),
        "load_start": load_average(),
    }


def pick(results: list[dict], name: str, scale: int = 1) -> list[dict]:
    return [r for r in results if r["name"] == name and r["scale"] == scale]


def stats(values: list[float]) -> tuple[float, float, float] | None:
    return (statistics.median(values), min(values), max(values)) if values else None


def med(results: list[dict], name: str, scale: int = 1, key: str = "wall_s") -> float | None:
    got = stats([r[key] for r in pick(results, name, scale)])
    return got[0] if got else None


def fmt(value: float | None, unit: str = "s", digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f} {unit}".strip()


def row(results: list[dict], name: str, scale: int) -> str:
    rs = pick(results, name, scale)
    wall, rss, tree = (stats([r[k] for r in rs]) for k in ("wall_s", "max_rss_mib", "tree_rss_mib"))
    bad = sum(not r["ok"] for r in rs)
    note = f" ⚠ {bad} run(s) failed or did not do what was expected" if bad else ""
    return (f"| {name} | {scale}× | {len(rs)} | {fmt(wall[0])} | {fmt(wall[1])} | {fmt(wall[2])} | "
            f"{fmt(rss[0], 'MiB', 0)} | {fmt(tree[0], 'MiB', 0)} | {fmt(tree[2], 'MiB', 0)} |{note}")


def measurement_table(results: list[dict], names: list[tuple[str, int]]) -> list[str]:
    out = ["| measurement | scale | runs | wall median | min | max | peak RSS, largest process (median) | "
           "peak RSS, process tree (median) | tree max |", "|---|---|---|---|---|---|---|---|---|"]
    return out + [row(results, n, s) for n, s in names if pick(results, n, s)]


def scale_table(results: list[dict], scales: list[int]) -> list[str]:
    base_p, base_f = med(results, FULL, 1), med(results, FLOOR, 1)
    out = ["| scale | source bytes | pipeline wall | floor wall | pipeline marginal over 1× | floor marginal over 1× | "
           "marginal ratio (pipeline / floor) | pipeline peak RSS (tree) | floor peak RSS |",
           "|---|---|---|---|---|---|---|---|---|"]
    for k in scales:
        p, f = med(results, FULL, k), med(results, FLOOR, k)
        if p is None:
            continue
        gen = pick(results, "synthetic data generation", k)
        size = sum(gen[0]["files"].values()) / 1e6 if gen else None
        mp = None if k == 1 or base_p is None else p - base_p
        mf = None if k == 1 or f is None or base_f is None else f - base_f
        ratio = f"{mp / mf:.1f}×" if mp is not None and mf else "—"
        if not all(r.get("ok", True) for r in pick(results, FULL, k)):  # stopped or failed: a lower bound
            ratio = f"≥ {ratio} (run stopped)" if ratio != "—" else ratio
        out.append(f"| {k}× | {fmt(size, 'MB', 0) if size else 'reference (10.9 MB)'} | {fmt(p)} | {fmt(f)} | "
                   f"{fmt(mp) if mp is not None else '—'} | {fmt(mf) if mf is not None else '—'} | {ratio} | "
                   f"{fmt(med(results, FULL, k, 'tree_rss_mib'), 'MiB', 0)} | "
                   f"{fmt(med(results, FLOOR, k, 'tree_rss_mib'), 'MiB', 0)} |")
    return out


def targets(results: list[dict], scales: list[int]) -> tuple[list[str], list[str]]:
    missed: list[str] = []
    lines = ["| target | measured | met |", "|---|---|---|"]

    def check(label: str, measured: str, ok: bool | None, key: str) -> None:
        lines.append(f"| {label} | {measured} | {'n/a' if ok is None else '✅' if ok else '❌'} |")
        if ok is False:
            missed.append(key)

    full = med(results, FULL, 1)
    check("full refresh ≤ 12 s (in-process, 1×; issue 13)", fmt(full), None if full is None else full <= 12, "full")
    noop = med(results, NOOP, 1)
    check("no-op refresh ≤ 3 s (issue 13)", fmt(noop), None if noop is None else noop <= 3, "noop")
    big = max(scales)
    p, f, p1, f1 = med(results, FULL, big), med(results, FLOOR, big), med(results, FULL, 1), med(results, FLOOR, 1)
    if big > 1 and None not in (p, f, p1, f1):
        ratio = (p - p1) / (f - f1) if f - f1 > 0 else float("inf")
        stopped = not all(r.get("ok", True) for r in pick(results, FULL, big))
        check(f"marginal cost at {big}× ≤ 3× the floor's (issue 13)",
              f"{'≥ ' if stopped else ''}{p - p1:,.1f} s vs floor {f - f1:,.1f} s = {'≥ ' if stopped else ''}"
              f"{ratio:.1f}×{' (the run was stopped before it finished: a lower bound)' if stopped else ''}",
              ratio <= 3, "scale")
    else:
        check("marginal cost at 100× ≤ 3× the floor's (issue 13)", "not measured", None, "scale")
    pipeline = [r for r in results if r["name"] in (FULL, NOOP)]
    for k in sorted({r["scale"] for r in pipeline}):
        peak = max((r["tree_rss_mib"] for r in pipeline if r["scale"] == k), default=None)
        single = max((r["max_rss_mib"] for r in pipeline if r["scale"] == k), default=None)
        check(f"peak RSS ≤ 1.5 GiB ({k}×, worst run, process tree)",
              f"{peak / GIB:.2f} GiB (largest single process {single / GIB:.2f} GiB)", peak <= 1.5 * GIB, f"rss{k}")
    sql = [med(results, r["name"]) for r in results if r["name"].startswith("sql: ")]
    worst = max(sql) if sql else None
    check("`layoffs-ai sql` ≤ 0.5 s (worst query median)", fmt(worst, "s", 3), None if worst is None else worst <= 0.5, "sql")
    return lines, missed


def render(machine: dict, results: list[dict], args: dict) -> str:
    scales = [k for k in args["scales"] if pick(results, FULL, k)]
    m = machine
    out = ["# Benchmarks", "", f"Written by `make bench` (`bench/run.py`) on {m['date']}; commit {m['commit']}; "
           f"total bench time {m['total_s'] / 60:.1f} min.", "",
           f"Runs: median of {args['runs']} run(s) per measurement at 1× and 10×, {args['big_runs']} run(s) of the "
           f"pipeline at 100× and above (a 100× refresh takes minutes), {args['sql_runs']} runs per SQL query. "
           "Every run is a fresh process tree in a fresh `LAYOFFS_AI_HOME`.", "",
           "## Machine", "", "| | |", "|---|---|",
           f"| CPU | {m['cpu']} ({m['cores']} cores) |", f"| RAM | {m['ram_gib']} GiB |",
           f"| OS / Python | {m['os']} / {m['python']} |",
           "| packages | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |",
           f"| load average (1/5/15 min) | at start {m['load_start']}; at end {m.get('load_end', '?')} |", "",
           report_text.LOAD_NOTE, "",
           "## Targets", ""]
    target_lines, missed = targets(results, scales)
    out += target_lines + ["", "## Full refresh, no-op refresh and the floor (1×, reference snapshots)", ""]
    out += measurement_table(results, [(FULL, 1), (NOOP, 1), (FLOOR, 1),
                                       ("dbt build alone (dbt CLI, no Dagster)", 1), ("import orchestration.definitions", 1)])
    out += ["", report_text.RSS_NOTE, "", "## Scale (synthetic sources)", ""]
    out += scale_table(results, scales)
    out += [""] + measurement_table(results, [(n, k) for k in scales if k > 1
                                              for n in (FULL, FLOOR, "synthetic data generation")])
    out += ["", report_text.SYNTH_NOTE, "", "## `layoffs-ai sql` latency (published 1× warehouse)", ""]
    out += measurement_table(results, [(r, 1) for r in dict.fromkeys(
        x["name"] for x in results if x["name"].startswith("sql: ") or x["name"].startswith("python -c"))])
    out += ["", report_text.sql_queries(), "", "## Where the time goes", ""]
    out += report_text.where_time_goes(results, scales, missed)
    out += ["", "## The floor: what it does and what differs", "", report_text.FLOOR_NOTE, ""]
    return "\n".join(out)
