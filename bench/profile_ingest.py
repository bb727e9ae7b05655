"""Profile the raw-load step outside Dagster: per dataset, seconds to snapshot, parse and load, and memory growth.

Usage: python bench/profile_ingest.py --snapshots DIR   (prints one JSON object)
Uses the pipeline's own functions (orchestration.ingest_steps) on a scratch LAYOFFS_AI_HOME and warehouse.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import duckdb


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profile(snapshots: Path) -> dict:
    from ingestion import sources
    from orchestration.ingest_steps import fetch_snapshot, load_snapshot, parse_snapshot
    from orchestration.settings import Settings

    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="profile-ingest-") as home:
        settings = Settings(home=Path(home), snapshot_dir=snapshots)
        con = duckdb.connect(str(Path(home) / "scratch.duckdb"))
        try:
            for dataset_id in sources.DATASETS:
                t0 = time.perf_counter()
                snap = fetch_snapshot(dataset_id, settings)
                t1 = time.perf_counter()
                parsed = parse_snapshot(dataset_id, snap)
                t2 = time.perf_counter()
                rss_parse = _rss_mib()
                load_snapshot(con, snap, parsed)
                t3 = time.perf_counter()
                out[dataset_id] = {"bytes": snap.bytes, "rows": parsed.rows, "snapshot_s": round(t1 - t0, 3),
                                   "parse_s": round(t2 - t1, 3), "load_s": round(t3 - t2, 3),
                                   "peak_rss_after_parse_mib": round(rss_parse), "peak_rss_after_load_mib": round(_rss_mib())}
                del parsed
        finally:
            con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(profile(args.snapshots)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
