"""Prose and the "where the time goes" tables of bench/results.md (figures computed from the raw results)."""

from __future__ import annotations

import statistics

FULL, NOOP = "full refresh (in-process)", "no-op refresh (in-process)"
FLOOR = "floor (plain DuckDB script)"
BETWEEN = "between steps: scheduling, events, step process start-up (Dagster run − sum of steps; < 0 if they overlap)"
MAIN_STEPS = ("load_raw_tables", "dbt_models", "run_analytics", "warehouse__published")

LOAD_NOTE = ("The machine is shared: other work may run during the bench (see the load average above; with 2 cores a "
             "load above 2 means the bench competed for CPU). Absolute wall times are then inflated; ratios between "
             "measurements taken in the same bench are more stable than single figures.")

RSS_NOTE = ("*Peak RSS, largest process* is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of a fresh wrapper process "
            "(`bench/measure.py`): exact, and it covers every descendant (the dbt subprocess, executor step "
            "processes), but it is the largest *single* process. *Process tree* is the largest sum of RSS over "
            "the wrapper's whole process tree, sampled from `/proc` every 0.1 s: it counts the `layoffs-ai` "
            "process and its dbt subprocess together, which is "
            "what the machine must hold; a spike shorter than 0.1 s can be missed. The targets use the tree figure. "
            "The pipeline runs at its default `LAYOFFS_AI_DUCKDB_MEMORY_LIMIT` (1GB per DuckDB process, spilling "
            "to disk beyond it); the floor runs DuckDB at DuckDB's own default (80% of RAM).")

SYNTH_NOTE = (
    "Synthetic sources come from `bench/synth.py --factor k` (deleted after the run): the same six file names, "
    "headers, quoting and quirks as `../shared/data`, with k× the rows, generated rather than copied. "
    "layoffs.fyi: invented company names (pool scaled with k), counts from a log-normal fit (`16000.0` style, "
    "the reference share of blanks), reference dates jittered ±10 days inside the reference range, "
    "location/country pairs (incl. `, Non-U.S.`) and categories sampled from the reference. Crunchbase "
    "tracker: 94% of rows re-report a layoffs.fyi event of 2022 (trailing spaces / `, Inc.` name variants, "
    "dates ±3 days, some counts changed, `\"4,000\"` formatting, `Unclear`, `13%`, `M/D/YY`, CRLF), so "
    "cross-source dedup has k× the work. Epoch: invented models and organisations (some are layoff "
    "companies), every column generated from the reference distribution of that column (numbers jittered "
    "log-normally, prose of the reference lengths with embedded newlines, quotes and commas), ~99% of "
    "notable models repeated in the all list, and k× the reference's blank-model records (rejected). "
    "Indeed: same daily date range; the by-sector file gets k× the sectors (the 46 reference names plus "
    "`<sector> (<region> / <level>)` variants), the aggregate file k× the countries; every series is a "
    "new random walk shaped like a reference series (index 100 on 2020-02-01). The company view "
    "(`analytics.company_layoffs_vs_releases`) is empty on synthetic data: its alias table lists real "
    "organisations.")

FLOOR_NOTE = (
    "`bench/floor.py` is one Python process with one DuckDB connection: `read_csv` of the six files (all "
    "text, explicit quoting), the dbt macros as DuckDB macros (count / percent / date parsing, company "
    "name cleaning and `company_key`), the per-source events, the same cross-source matching (6 rounds of "
    "mutual-nearest matching within ±7 days), `fct_layoff_events`, `layoffs_monthly`, `layoff_count_stats`, "
    "`fct_model_releases`, `model_releases_monthly`, `job_postings_monthly`, `layoffs_vs_ai_monthly`, plus "
    "one cheap analytics step (four Pearson correlations of the combined monthly table). On the reference "
    "snapshots its marts equal the pipeline's marts (row for row; doubles within 1e-12).\n\n"
    "What it does not do, and the pipeline does: snapshot store (copy, sha256, JSON sidecar), per-row "
    "validation with line numbers and a rejects table (the floor drops blank keys, future dates and exact "
    "duplicates with `DISTINCT` instead), raw bookkeeping (`_loads`, `_publish_log`), the `_extra` JSON of "
    "undeclared columns, dbt contracts and data tests, Dagster asset checks, "
    "analytics beyond four correlations (lags with bootstrap CIs, Granger tests, stationarity, company view, "
    "charts, report), write-audit-publish (working copy + atomic rename), Dagster run storage and events. "
    "Its ids use the row's ordinal instead of the physical line number.")


def sql_queries() -> str:
    from run import SQL_QUERIES

    return "Queries (wall time of the whole `layoffs-ai sql \"...\"` command, i.e. what a user waits for):\n\n" + \
        "\n".join(f"- {label}: `{q}`" for label, q in SQL_QUERIES.items())


def _median_steps(runs: list[dict]) -> dict[str, float]:
    keys = {k for r in runs if r.get("steps") for k in r["steps"]["steps"]}
    out = {}
    for key in keys:
        values = [r["steps"]["steps"][key] for r in runs if r.get("steps") and key in r["steps"]["steps"]]
        out[key] = statistics.median(values)
    return out


def _breakdown(runs: list[dict]) -> dict[str, float | None]:
    """Wall split into named parts (medians over runs)."""
    if not runs:
        return {}
    steps = _median_steps(runs)
    wall = statistics.median(r["wall_s"] for r in runs)
    run_s = [r["steps"]["run_s"] for r in runs if r.get("steps") and r["steps"]["run_s"]]
    run_med = statistics.median(run_s) if run_s else None
    dbt_rep = [r["dbt_reported_s"] for r in runs if r.get("dbt_reported_s")]
    parts: dict[str, float | None] = {"whole command (wall)": wall}
    parts["process start, imports, Definitions, run setup/teardown (wall − Dagster run)"] = (
        wall - run_med if run_med is not None else None)
    parts["Dagster run (PIPELINE_START → end)"] = run_med
    snaps = sum(v for k, v in steps.items() if k.startswith("snapshots__") and not k.endswith(("_freshness",)))
    parts["6 snapshot steps (read source, sha256, store + sidecar)"] = snaps
    for key in MAIN_STEPS:
        if key in steps:
            parts[f"step `{key}`"] = steps[key]
    if dbt_rep and "dbt_models" in steps:
        rep = statistics.median(dbt_rep)
        parts["  of which dbt's own `build` (the total dbt reports at its end)"] = rep
        parts["  of which outside `dbt build`: dbt start + parse, dagster-dbt events"] = steps["dbt_models"] - rep
    parts[BETWEEN] = (
        run_med - sum(steps.values()) if run_med is not None else None)
    checks = [k for k in steps if k not in MAIN_STEPS and not k.startswith("snapshots__") or k.endswith("_freshness")]
    parts[f"{len(checks)} asset-check steps"] = sum(steps[k] for k in checks)
    return parts


def where_time_goes(results: list[dict], scales: list[int], missed: list[str]) -> list[str]:
    out = []
    if missed:
        out.append("Targets missed: " + ", ".join(missed) + ". Figures below are medians of the measured runs; "
                   "step durations come from the Dagster event log of each run (STEP_START → STEP_SUCCESS), "
                   "dbt node times from the `Execution Duration` dagster-dbt attaches to each model.")
    else:
        out.append("Every target is met; the breakdown is kept for reference.")
    columns = [(f"full {k}×", [r for r in results if r["name"] == FULL and r["scale"] == k]) for k in scales]
    columns += [("no-op 1×", [r for r in results if r["name"] == NOOP])]
    columns = [(label, runs) for label, runs in columns if any(r.get("steps") for r in runs)]  # a run of Dagster
    parts = [(label, _breakdown(runs)) for label, runs in columns]
    names = list(dict.fromkeys(name for _, p in parts for name in p))
    out += ["", "| part (seconds) | " + " | ".join(label for label, _ in parts) + " |",
            "|---|" + "---|" * len(parts)]
    for name in names:
        cells = []
        for _, p in parts:
            value = p.get(name)
            cells.append("—" if value is None else f"{value:,.1f}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    big = [r for r in results if r["name"] == FULL and r["scale"] == max(scales) and r.get("steps")]
    nodes = big[0]["steps"]["dbt_nodes"] if big else {}
    if nodes:
        top = sorted(nodes.items(), key=lambda kv: -kv[1])[:6]
        out += ["", f"Slowest dbt models at {max(scales)}×: " + ", ".join(
            f"`{k.rsplit('.', 1)[-1]}` {v:.1f} s" for k, v in top) + f" (sum of all models {sum(nodes.values()):.1f} s)."]
    out += ["", *_dominant(parts)]
    out += _ingest_profile(results)
    out += _analytics_profile(results)
    out += ["", "### What dominates, and why", "", *findings(results, scales)]
    return out


def _ingest_profile(results: list[dict]) -> list[str]:
    prof = [r for r in results if r["name"].startswith("profile: raw load") and (r.get("profile") or r.get("datasets"))]
    if not prof:
        return []
    r = prof[0]
    r["datasets"] = r.get("profile") or r.get("datasets")
    out = ["", f"Raw load profiled outside Dagster at {r['scale']}× (`bench/profile_ingest.py`: the pipeline's own "
           f"fetch / parse / load functions, one dataset after another, {r['wall_s']:.1f} s in all, peak RSS "
           f"{r['max_rss_mib']:,.0f} MiB):", "",
           "| dataset | MB | rows | snapshot s | parse s | load s | parse µs/row | peak RSS after parse (MiB) |",
           "|---|---|---|---|---|---|---|---|"]
    for name, d in r["datasets"].items():
        per_row = 1e6 * d["parse_s"] / d["rows"] if d["rows"] else 0
        out.append(f"| {name} | {d['bytes'] / 1e6:,.1f} | {d['rows']:,} | {d['snapshot_s']:.2f} | {d['parse_s']:.2f} | "
                   f"{d['load_s']:.2f} | {per_row:.1f} | {d['peak_rss_after_parse_mib']:,} |")
    total_parse = sum(d["parse_s"] for d in r["datasets"].values())
    total_load = sum(d["load_s"] for d in r["datasets"].values())
    out += ["", f"Reading the file into text records takes {total_parse:.1f} s and the DuckDB load (DuckDB's `read_csv` "
            f"with `store_rejects`, `warehouse/raw_csv_fast.py`, the lines around a reject framed by "
            f"`warehouse/raw_csv.py`, then INSERT ... SELECT) {total_load:.1f} s of the raw load at {r['scale']}×."]
    return out


def _dominant(parts: list[tuple[str, dict]]) -> list[str]:
    lines = []
    for label, p in parts:
        wall = p.get("whole command (wall)")
        if not wall:
            continue
        ranked = sorted(((v, k) for k, v in p.items() if v is not None and k != "whole command (wall)"
                         and not k.startswith("Dagster run") and not k.startswith("  ")), reverse=True)[:3]
        lines.append(f"- **{label}** ({wall:,.1f} s): " + "; ".join(
            f"{k} {v:,.1f} s ({100 * v / wall:.0f}%)" for v, k in ranked) + ".")
    return lines


def _m(results: list[dict], name: str, scale: int = 1, key: str = "wall_s") -> float | None:
    values = [r[key] for r in results if r["name"] == name and r["scale"] == scale and r.get(key) is not None]
    return statistics.median(values) if values else None


def _analytics_profile(results: list[dict]) -> list[str]:
    prof = [r for r in results if r["name"].startswith("profile: analytics") and r.get("profile")]
    if not prof:
        return []
    p = prof[0]["profile"]
    stages = ", ".join(f"`{k}` {v:.1f} s" for k, v in sorted(p["stages"].items(), key=lambda kv: -kv[1]))
    packages = ", ".join(f"{'built-in/native calls (`~`: C extensions such as vl-convert)' if k == '~' else k} {v:.1f} s"
                         for k, v in p["self_time_by_package"].items())
    return ["", f"Analytics profiled outside Dagster at 1× (`bench/profile_analytics.py`, cProfile, which slows "
            f"Python code down): reading the marts {p['read_marts_s']:.1f} s, `run_analytics` {p['run_analytics_s']:.1f} s; "
            f"by stage (cumulative): {stages}. Self time by package/file: {packages}."]


def findings(results: list[dict], scales: list[int]) -> list[str]:
    """What dominates, in words, from the measured figures only (the why is in the issue's profile)."""
    out = []
    full = [r for r in results if r["name"] == FULL and r["scale"] == 1]
    b = _breakdown(full)
    dbt_alone = _m(results, "dbt build alone (dbt CLI, no Dagster)")
    imports = _m(results, "import orchestration.definitions")
    steps = _median_steps(full)
    start = "process start, imports, Definitions, run setup/teardown (wall − Dagster run)"
    if b and "dbt_models" in steps:
        dbt = steps["dbt_models"]
        nodes = statistics.median(r.get("dbt_nodes_run") or 0 for r in full)
        text = (f"- **Full refresh at 1× ({b['whole command (wall)']:.1f} s).** The `dbt_models` step takes {dbt:.1f} s "
                f"for {nodes:.0f} dbt nodes (one `dbt build` of the models and their data tests, no unit tests)")
        if dbt_alone:
            text += (f"; `dbt build` from the dbt CLI alone (one command, a full parse) takes {dbt_alone:.1f} s wall, "
                     f"so about {dbt - dbt_alone:.1f} s of the step is dagster-dbt starting dbt and turning each dbt "
                     "result into Dagster events stored one by one in the SQLite event log, plus the catalog metadata")
        text += (f". `run_analytics` takes {steps.get('run_analytics', 0):.1f} s. Starting the process, importing "
                 f"Dagster and the Definitions, observing the sources and setting up/tearing down the runs cost "
                 f"{b[start]:.1f} s")
        text += f" (importing and building `orchestration.definitions` alone: {imports:.1f} s)." if imports else "."
        out.append(text)
    noop = [r for r in results if r["name"] == NOOP]
    nb = _breakdown(noop)
    if nb:
        out.append(f"- **No-op refresh ({nb['whole command (wall)']:.1f} s).** `layoffs-ai run` compares the "
                   "snapshot files and the code with `raw._publish_log` before importing Dagster, and starts no run.")
    big = max(scales)
    if big > 1:
        runs = [r for r in results if r["name"] == FULL and r["scale"] == big]
        bs = _median_steps(runs)
        p, p1 = _m(results, FULL, big), _m(results, FULL, 1)
        f, f1 = _m(results, FLOOR, big), _m(results, FLOOR, 1)
        rss = _m(results, FULL, big, "tree_rss_mib")
        if runs and None not in (p, p1, f, f1):
            done = ", ".join(f"`{k}` {v:,.1f} s" for k, v in bs.items() if v is not None) or "no step"
            stopped = [r for r in runs if not r.get("ok", True)]
            state = (f"did not finish (exit {stopped[0].get('rc')}) after {p:,.1f} s, so its marginal cost is a lower "
                     "bound" if stopped else f"took {p:,.1f} s")
            out.append(f"- **Scale ({big}×).** The pipeline run {state}: {p - p1:,.1f} s over 1× against the floor's "
                       f"{f - f1:,.1f} s. Steps finished: {done}. Peak memory (process tree) {rss / 1024:.1f} GiB; "
                       f"the floor's own peak at {big}× is {_m(results, FLOOR, big, 'tree_rss_mib') / 1024:.1f} GiB.")
    return out
