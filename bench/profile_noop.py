"""Profile one `layoffs-ai run` (e.g. a no-op on an up-to-date home) with cProfile: seconds in its main parts (JSON).

Usage: LAYOFFS_AI_HOME=... LAYOFFS_AI_SNAPSHOT_DIR=... python bench/profile_noop.py
cProfile slows Python code down, so the parts are larger than without it; compare them with each other.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import pstats
import sys
import time

# (label, file suffix, function name): cumulative seconds of that function
PARTS = (
    ("import orchestration.definitions (Dagster, dagster-dbt, manifest)", "orchestration/definitions.py", "<module>"),
    ("execute_in_process (whole Dagster run incl. setup)", "job_definition.py", "execute_in_process"),
    ("create the run (incl. one ASSET_*_PLANNED event per asset / check)", "run_methods.py", "create_run_for_job"),
    ("write events to the SQLite event log", "sqlite_event_log.py", "store_event"),
    ("step load_raw_tables", "orchestration/defs/ingestion.py", "load_raw_tables"),
    ("  of which parsing the snapshots", "orchestration/ingest_steps.py", "parse_snapshot"),
)


def main() -> int:
    from orchestration.cli import main as cli_main

    profiler = cProfile.Profile()
    started = time.perf_counter()
    sys.argv = ["layoffs-ai", "run"]
    with contextlib.redirect_stdout(io.StringIO()) as captured:
        profiler.enable()
        try:
            rc = cli_main()
        except SystemExit as exc:
            rc = exc.code
        finally:
            profiler.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats
    parts = {}
    for label, suffix, name in PARTS:
        found = [(v[3], v[1]) for (file, _line, func), v in stats.items() if file.endswith(suffix) and func == name]
        parts[label] = {"s": round(max(c for c, _ in found), 3), "calls": max(n for _, n in found)} if found else None
    print(json.dumps({"rc": rc, "total_s": round(total, 3), "no_op": "nothing new" in captured.getvalue(),
                      "parts": parts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
