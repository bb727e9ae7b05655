"""Profile the raw-load step outside Dagster: per dataset, seconds to snapshot, read and load as text, and memory.

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
    """Per dataset: snapshot (copy + sha256), read (the header check and where the rows are) and load (DuckDB frames
    the records and inserts them as text). Typing is staging's (dbt), not measured here."""
    from ingestion import sources
    from orchestration.ingest_steps import fetch_snapshot
    from orchestration.settings import Settings
    from warehouse.raw_load import ensure_raw_tables, load_rows

    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="profile-ingest-") as home:
        settings = Settings(home=Path(home), snapshot_dir=snapshots)
        con = duckdb.connect(str(Path(home) / "scratch.duckdb"))
        try:
            ensure_raw_tables(con, sources.RAW_TABLES)
            for dataset_id in sources.DATASETS:
                t0 = time.perf_counter()
                snap = fetch_snapshot(dataset_id, settings)
                t1 = time.perf_counter()
                rows = sources.read(dataset_id, snap)
                t2 = time.perf_counter()
                rss_parse = _rss_mib()
                loaded = load_rows(con, rows, source=dataset_id, sha256=snap.sha256, snapshot_date=snap.snapshot_date)
                t3 = time.perf_counter()
                out[dataset_id] = {"bytes": snap.bytes, "rows": loaded.rows, "snapshot_s": round(t1 - t0, 3),
                                   "parse_s": round(t2 - t1, 3), "load_s": round(t3 - t2, 3),
                                   "peak_rss_after_parse_mib": round(rss_parse), "peak_rss_after_load_mib": round(_rss_mib())}
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
