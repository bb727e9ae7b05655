"""Prose and the "where the time goes" tables of bench/results.md (figures computed from the raw results)."""

from __future__ import annotations

import statistics

FULL, NOOP, MP = "full refresh (in-process)", "no-op refresh (in-process)", "full refresh (multiprocess executor)"
MAIN_STEPS = ("load_raw_tables", "dbt_models", "run_analytics", "warehouse__published")

LOAD_NOTE = ("The machine is shared: other work may run during the bench (see the load average above; with 2 cores a "
             "load above 2 means the bench competed for CPU). Absolute wall times are then inflated; ratios between "
             "measurements taken in the same bench are more stable than single figures.")

RSS_NOTE = ("*Peak RSS, largest process* is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of a fresh wrapper process "
            "(`bench/measure.py`): exact, and it covers every descendant (the dbt subprocess, executor step "
            "processes), but it is the largest *single* process. *Process tree* is the largest sum of RSS over "
            "the wrapper's whole process tree, sampled from `/proc` every 0.1 s: it counts the `layoffs-ai` "
            "process and its dbt subprocess (or the multiprocess executor's step processes) together, which is "
            "what the machine must hold; a spike shorter than 0.1 s can be missed. The targets use the tree figure.")

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
    "undeclared columns, staging views, dbt contracts, 130 data tests and 12 unit tests, 24 asset checks, "
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
        parts["  of which dbt's own `build` time (dbt log)"] = rep
        parts["  of which dbt process start, manifest, dagster-dbt event handling"] = steps["dbt_models"] - rep
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
    columns += [("no-op 1×", [r for r in results if r["name"] == NOOP]),
                ("multiprocess 1×", [r for r in results if r["name"] == MP])]
    columns = [(label, runs) for label, runs in columns if runs]
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
    return out


def _ingest_profile(results: list[dict]) -> list[str]:
    prof = [r for r in results if r["name"].startswith("profile: raw load") and r.get("datasets")]
    if not prof:
        return []
    r = prof[0]
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
    out += ["", f"Parsing (pure-Python CSV reader + per-cell converters) takes {total_parse:.1f} s and loading "
            f"(pandas DataFrame from the row tuples, then INSERT ... SELECT) {total_load:.1f} s of the raw load at "
            f"{r['scale']}×; both grow linearly with rows."]
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
