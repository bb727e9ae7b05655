"""Profile the analytics step outside Dagster with cProfile: seconds per stage of analytics.run_analytics (JSON).

Usage: python bench/profile_analytics.py --warehouse <home>/warehouse.duckdb
Reads the marts the way the analytics asset does, runs run_analytics into a scratch folder under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path

import duckdb

STAGES = ("stationarity", "correlations", "lagged_correlations", "granger_tests", "company_layoffs_vs_releases",
          "render_all", "build_report")


def profile(warehouse: Path) -> dict:
    from analytics import INPUT_MARTS, run_analytics
    from orchestration.provenance import source_provenance

    started = time.perf_counter()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        frames = {m: con.execute(f"SELECT * FROM marts.{m}").df() for m in INPUT_MARTS}
        sources = source_provenance(con)
    finally:
        con.close()
    read_s = time.perf_counter() - started
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="profile-analytics-") as out:
        started = time.perf_counter()
        profiler.runcall(run_analytics, frames, out, sources)
        total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    stages = {}
    for (file, _line, name), (_cc, _nc, _tt, cum, _callers) in stats.items():
        if name in STAGES and "/analytics/" in file:
            stages[name] = round(max(cum, stages.get(name, 0.0)), 3)
    by_file: dict[str, float] = {}
    for (file, _line, _name), (_cc, _nc, tt, _cum, _callers) in stats.items():
        package = file.split("site-packages/", 1)[-1].split("/", 1)[0] if "site-packages/" in file else Path(file).name
        by_file[package] = by_file.get(package, 0.0) + tt
    top = sorted(by_file.items(), key=lambda kv: -kv[1])[:8]
    return {"read_marts_s": round(read_s, 3), "run_analytics_s": round(total, 3), "stages": stages,
            "self_time_by_package": {k: round(v, 3) for k, v in top}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(profile(args.warehouse)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
