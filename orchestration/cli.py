"""The `layoffs-ai` command line: run the pipeline, ingest only, and query the published warehouse."""

from __future__ import annotations

import argparse
import sys
import time
import uuid


def _cmd_ingest(args: argparse.Namespace) -> int:
    import duckdb

    from ingestion import sources
    from ingestion.core import IngestionError
    from warehouse.publish import (PublishError, WarehousePaths, corrupt_warehouse_message, discard_work_copy,
                                   prepare_work_copy, publish, writer_lock)
    from warehouse.raw_load import LoadError
    from warehouse.volume_gate import VolumeGate, problems

    from .ingest_steps import ingest_one
    from .settings import Settings

    settings = Settings.from_env()
    gate = VolumeGate(max_row_drop=settings.max_row_drop, accepted=frozenset(args.accept_drop or ()))
    print(f"layoffs-ai: home {settings.home}; sources: {settings.mode}", flush=True)
    paths = WarehousePaths(settings.home)
    run_id = f"cli-ingest-{uuid.uuid4().hex[:8]}"
    ids = args.only or list(sources.DATASETS)
    unknown = [i for i in ids if i not in sources.DATASETS]
    if unknown:
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(sources.DATASETS)}", file=sys.stderr)
        return 2
    try:
        work = prepare_work_copy(paths, run_id)
        try:
            con = duckdb.connect(str(work))
        except duckdb.Error as exc:
            raise PublishError(corrupt_warehouse_message(paths, " ".join(str(exc).split())[:200])) from exc
        try:
            for i, dataset_id in enumerate(ids, 1):
                started = time.monotonic()
                out = ingest_one(con, dataset_id, settings, run_id=run_id)
                refused = problems(con, dataset_id, run_id, gate)
                if refused:
                    raise LoadError("; ".join(refused.values()))
                print(
                    f"[{i}/{len(ids)}] {dataset_id}: {out.load.status} {out.load.rows:,} rows, "
                    f"{out.load.rejects:,} rejects from {out.parsed.input_rows:,} input rows "
                    f"(sha256 {out.snapshot.sha256[:12]}, {time.monotonic() - started:.1f}s)",
                    flush=True,
                )
        finally:
            con.close()
        with writer_lock(paths, wait_seconds=30):
            publish(paths, run_id)
    except (IngestionError, LoadError, PublishError) as exc:
        discard_work_copy(paths, run_id)
        print(f"error: {exc}", file=sys.stderr)
        print(f"the published warehouse {paths.published} is unchanged", file=sys.stderr)
        return 1
    print(f"published {paths.published}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layoffs-ai",
        description="Tech layoffs vs AI production: a nightly ETL into a DuckDB warehouse.",
        epilog="Environment: LAYOFFS_AI_HOME (default ./data), LAYOFFS_AI_SNAPSHOT_DIR (offline source files).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    ingest = sub.add_parser("ingest", help="fetch, parse and load every source into raw.* and publish")
    ingest.add_argument("--only", nargs="+", metavar="DATASET", help="load only these dataset ids")
    ingest.add_argument("--accept-drop", nargs="+", metavar="DATASET", help="publish even though these datasets "
                        "shrank by more than LAYOFFS_AI_MAX_ROW_DROP or rejected over 10%% of their rows")
    ingest.set_defaults(func=_cmd_ingest)
    from .pipeline_cli import register as register_pipeline

    register_pipeline(sub)
    from warehouse.sql_cli import register as register_sql

    register_sql(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    from warehouse.publish import PublishError

    from .settings import unknown_variable_warnings

    args = build_parser().parse_args(argv)
    for warning in unknown_variable_warnings(os.environ):
        print(warning, file=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad configuration, e.g. LAYOFFS_AI_SNAPSHOT_DIR is not a folder
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PublishError as exc:  # e.g. a corrupt published warehouse
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a read-only LAYOFFS_AI_HOME or a full disk
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where} (LAYOFFS_AI_HOME must be a writable folder with free space)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
