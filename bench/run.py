"""`make bench`: measure full refresh, no-op refresh, the DuckDB floor, scale runs and SQL latency -> bench/results.md.

Usage: python bench/run.py [--runs 3] [--scales 1,10,100] [--big-runs 1] [--quick]
Every measured command runs in a fresh wrapper process (bench/measure.py) in a fresh temporary
LAYOFFS_AI_HOME; synthetic files (bench/synth.py) go to a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent
PY = str(Path(sys.executable))
CLI = str(BIN / "layoffs-ai")
REFERENCE = REPO.parent / "shared" / "data"
PROFILE = "profile: raw load outside Dagster"
PROFILE_ANALYTICS = "profile: analytics outside Dagster (cProfile)"
PROFILE_NOOP = "profile: no-op refresh (cProfile)"
SQL_QUERIES = {
    "top months": "SELECT month, laid_off, layoff_events, notable_models, all_models "
                  "FROM marts.layoffs_vs_ai_monthly ORDER BY laid_off DESC LIMIT 10",
    "count stats crunchbase 2022": "SELECT * FROM marts.layoff_count_stats "
                                   "WHERE source = 'crunchbase_tracker' AND year = 2022",
    "top lagged correlations": "SELECT x_series, y_series, transform, lag, n, pearson_r, p_bh "
                               "FROM analytics.lagged_correlations ORDER BY abs(pearson_r) DESC LIMIT 10",
}


class Bench:
    """Runs measurements, keeps every figure, prints progress lines."""

    def __init__(self, work: Path):
        self.work = work
        self.results: list[dict] = []
        self.counter = 0

    def measure(self, name: str, scale: int, cmd: list[str], env: dict[str, str], expect: str | None = None) -> dict:
        self.counter += 1
        log, out = self.work / f"m{self.counter:03d}.log", self.work / f"m{self.counter:03d}.json"
        subprocess.run([PY, str(BENCH / "measure.py"), "--json", str(out), "--log", str(log), "--", *cmd],
                       env={**os.environ, **env}, cwd=str(REPO), check=True, stdout=subprocess.DEVNULL)
        result = json.loads(out.read_text())
        text = log.read_text(errors="replace")
        result.update(name=name, scale=scale, log=str(log), ok=result["rc"] == 0 and (expect is None or expect in text))
        result.update(_dbt_figures(text))
        self.results.append(result)
        flag = "" if result["ok"] else f"  !! {'exit ' + str(result['rc']) if result['rc'] else 'expected: ' + str(expect)} (log {log})"
        print(f"  {name:<34} {scale:>4}x  wall {result['wall_s']:8.2f}s  peak RSS {result['max_rss_mib']:7.0f} MiB "
              f"(tree {result['tree_rss_mib']:7.0f} MiB){flag}", flush=True)
        return result

    def steps(self, home: Path) -> dict | None:
        proc = subprocess.run([PY, str(BENCH / "steps.py")], capture_output=True, text=True, cwd=str(REPO), check=False,
                              env={**os.environ, "DAGSTER_HOME": str(home / "dagster_home")})
        return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else None


def _dbt_figures(text: str) -> dict:
    """dbt's own total (`Finished running ... (4.51s).`) and the sum of its per-node times, from dbt output."""
    if "Finished running" not in text:
        return {}
    line = text[text.rindex("Finished running"):].splitlines()[0]
    nodes = [float(x) for x in re.findall(r" in (\d+\.\d+)s\]", text)]
    try:
        total = float(line.rsplit("(", 1)[1].split("s)")[0])
    except (IndexError, ValueError):
        total = None
    summary = line.split(" in ", 1)[0].removeprefix("Finished running ").strip()
    return {"dbt_reported_s": total, "dbt_node_sum_s": round(sum(nodes), 2), "dbt_nodes_run": len(nodes),
            "dbt_summary": summary}


def _run_log_figures(home: Path) -> dict:
    """`layoffs-ai run` keeps dbt's output in $LAYOFFS_AI_HOME/logs/run-<id>.log (else it is on stdout)."""
    logs = sorted((home / "logs").glob("run-*.log"), key=lambda p: p.stat().st_mtime)
    return _dbt_figures(logs[-1].read_text(errors="replace")) if logs else {}


def _pipeline_env(home: Path, snapshots: Path) -> dict[str, str]:
    # the offline size cap (200 MB by default, issue 11) would refuse the synthetic 100x files (~400 MB each):
    # the bench raises it to the largest file in `snapshots`, plus room, so every scale loads every source
    largest = max((p.stat().st_size for p in snapshots.iterdir() if p.is_file()), default=0)
    return {"LAYOFFS_AI_HOME": str(home), "LAYOFFS_AI_SNAPSHOT_DIR": str(snapshots),
            "DAGSTER_HOME": str(home / "dagster_home"),
            "LAYOFFS_AI_HTTP_MAX_BYTES": str(max(200 * 1024 * 1024, 2 * largest))}


def full_refreshes(bench: Bench, scale: int, snapshots: Path, runs: int, name: str = "full refresh (in-process)") -> Path:
    """`runs` full refreshes, each in a fresh home; returns the last home (kept for the no-op and SQL runs)."""
    home = None
    for _ in range(runs):
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)
        home = Path(tempfile.mkdtemp(prefix=f"home{scale}x-", dir=bench.work))
        result = bench.measure(name, scale, [CLI, "run"], _pipeline_env(home, snapshots), expect="succeeded in")
        result["steps"] = bench.steps(home)
        result.update(_run_log_figures(home))
    return home


def dbt_alone(bench: Bench, home: Path, runs: int) -> None:
    """`dbt build` by itself (dbt CLI, no Dagster) on a copy of a published 1x warehouse: dbt's own floor."""
    target = bench.work / "dbt-target"
    for _ in range(runs):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        partial = REPO / "dbt_project" / "target" / "partial_parse.msgpack"
        if partial.is_file():  # dagster-dbt also starts from the project's partial parse
            shutil.copy(partial, target / partial.name)
        copy = bench.work / "dbt-alone.duckdb"
        shutil.copy(home / "warehouse.duckdb", copy)
        bench.measure("dbt build alone (dbt CLI, no Dagster)", 1,
                      [str(BIN / "dbt"), "build", "--project-dir", str(REPO / "dbt_project"), "--profiles-dir",
                       str(REPO / "dbt_project"), "--target-path", str(target), "--log-path", str(target),
                       "--target", "pipeline", "--vars", json.dumps({"warehouse_path": str(copy)}),
                       "--exclude-resource-type", "unit_test"],  # as the pipeline's dbt step (make test runs them)
                      {}, expect="Completed successfully")
        copy.unlink(missing_ok=True)
    for _ in range(runs):
        bench.measure("import orchestration.definitions", 1,
                      [PY, "-c", "from orchestration.definitions import build; build()"], {})


def profile_step(bench: Bench, name: str, scale: int, cmd: list[str]) -> None:
    """A profiling script measured like everything else; its JSON (last stdout line) is kept as `profile`."""
    result = bench.measure(name, scale, cmd, {})
    result["profile"] = _last_json(Path(result["log"])) if result["ok"] else {}


def _last_json(log: Path) -> dict:
    last = log.read_text(errors="replace").strip().splitlines()[-1:]
    try:
        return json.loads(last[0]) if last else {}
    except json.JSONDecodeError:
        return {}


def noop_refreshes(bench: Bench, home: Path, snapshots: Path, runs: int) -> None:
    for _ in range(runs):
        bench.measure("no-op refresh (in-process)", 1, [CLI, "run"], _pipeline_env(home, snapshots),
                      expect="nothing new")  # decides before Dagster: no run, so no steps to read
    result = bench.measure(PROFILE_NOOP, 1, [PY, str(BENCH / "profile_noop.py")], _pipeline_env(home, snapshots),
                           expect='"no_op": true')
    result["profile"] = _last_json(Path(result["log"])) if result["ok"] else {}


def floors(bench: Bench, scale: int, snapshots: Path, runs: int) -> None:
    for i in range(runs):
        db = bench.work / f"floor{scale}x.duckdb"
        bench.measure("floor (plain DuckDB script)", scale,
                      [PY, str(BENCH / "floor.py"), "--snapshots", str(snapshots), "--db", str(db)], {})
        db.unlink(missing_ok=True)


def sql_latency(bench: Bench, home: Path, runs: int) -> None:
    env = {"LAYOFFS_AI_HOME": str(home)}
    for label, query in SQL_QUERIES.items():
        for _ in range(runs):
            bench.measure(f"sql: {label}", 1, [CLI, "sql", query], env, expect="row")
    for _ in range(runs):
        bench.measure("python -c 'import duckdb' (startup floor)", 1, [PY, "-c", "import duckdb"], {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement at 1x and 10x (default 3)")
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scale factors (default 1,10,100)")
    parser.add_argument("--big-runs", type=int, default=1, help="runs at scales >= 100 (default 1, see results.md)")
    parser.add_argument("--sql-runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 run, scales 1,10")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, homes, synthetic files)")
    parser.add_argument("--render-only", type=Path, metavar="RESULTS_JSON",
                        help="only re-render the markdown from a results.json a previous bench wrote")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    import report

    if args.render_only:
        saved = json.loads(args.render_only.read_text())
        args.out.write_text(report.render(saved["machine"], saved["results"], saved["args"]))
        print(f"bench: re-rendered {args.out} from {args.render_only}")
        return 0
    if args.quick:
        args.runs, args.scales, args.big_runs, args.sql_runs = 1, "1,10", 1, 3
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()})
    if not (args.reference / "SOURCES.md").is_file():
        print(f"bench: reference snapshots not found in {args.reference}", file=sys.stderr)
        return 2
    if 1 not in scales:
        scales.insert(0, 1)
    work = Path(tempfile.mkdtemp(prefix="layoffs-ai-bench-"))
    bench = Bench(work)
    started = time.monotonic()
    machine = report.machine_info()
    print(f"bench: work folder {work}; {machine['cpu']} x{machine['cores']}, load {machine['load_start']}", flush=True)
    try:
        print("[1x] reference snapshots", flush=True)
        home = full_refreshes(bench, 1, args.reference, args.runs)
        noop_refreshes(bench, home, args.reference, args.runs)
        sql_latency(bench, home, args.sql_runs)
        dbt_alone(bench, home, args.runs)
        profile_step(bench, PROFILE_ANALYTICS, 1,
                     [PY, str(BENCH / "profile_analytics.py"), "--warehouse", str(home / "warehouse.duckdb")])
        floors(bench, 1, args.reference, args.runs)
        shutil.rmtree(home, ignore_errors=True)
        for scale in [s for s in scales if s > 1]:
            runs = args.big_runs if scale >= 100 else args.runs
            folder = work / f"synth{scale}x"
            print(f"[{scale}x] generating synthetic sources", flush=True)
            gen = bench.measure("synthetic data generation", scale, [PY, str(BENCH / "synth.py"), "--factor", str(scale),
                                "--out", str(folder), "--reference", str(args.reference)], {})
            gen["files"] = {p.name: p.stat().st_size for p in folder.glob("*.csv")}
            shutil.rmtree(full_refreshes(bench, scale, folder, runs), ignore_errors=True)
            if scale == min(s for s in scales if s > 1):  # raw-load profile, once, at the smallest synthetic scale
                profile_step(bench, PROFILE, scale, [PY, str(BENCH / "profile_ingest.py"), "--snapshots", str(folder)])
            floors(bench, scale, folder, args.runs)
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        machine["load_end"] = report.load_average()
        machine["total_s"] = round(time.monotonic() - started, 1)
        render_args = {k: v for k, v in vars(args).items() if k in ("runs", "big_runs", "sql_runs")} | {"scales": scales}
        (work / "results.json").write_text(json.dumps(
            {"machine": machine, "results": bench.results, "args": render_args}, indent=1))
        text = report.render(machine, bench.results, render_args)
        args.out.write_text(text)
        print(f"bench: wrote {args.out} ({machine['total_s']:.0f}s); raw figures in {work / 'results.json'}", flush=True)
        if not args.keep:
            for path in work.iterdir():
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
    return 0 if all(r["ok"] for r in bench.results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
