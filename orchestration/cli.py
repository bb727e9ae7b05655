"""The `layoffs-ai` command line: run the pipeline, ingest only, and query the published warehouse."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layoffs-ai",
        description="Tech layoffs vs AI production: a nightly ETL into a DuckDB warehouse.",
        epilog="Environment: LAYOFFS_AI_HOME (default ./data), LAYOFFS_AI_SNAPSHOT_DIR (offline source files).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from .ingest_cli import register as register_ingest

    register_ingest(sub)
    from .pipeline_cli import register as register_pipeline

    register_pipeline(sub)
    from warehouse.sql_cli import register as register_sql

    from .settings import Settings

    register_sql(sub, home=lambda: Settings.from_env().home)  # read when a query runs, not at parse time
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    from warehouse.publish import PublishError

    from .run_phases import Refused

    from .settings import unknown_variable_warnings

    args = build_parser().parse_args(argv)
    for warning in unknown_variable_warnings(os.environ):
        print(warning, file=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad configuration, e.g. LAYOFFS_AI_SNAPSHOT_DIR is not a folder
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PublishError as exc:  # e.g. a corrupt published warehouse, or another run is writing
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Refused as exc:  # a selection whose work could never be published
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a read-only LAYOFFS_AI_HOME or a full disk
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where} (LAYOFFS_AI_HOME must be a writable folder with free space)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # Dagster's own storage (sqlite under DAGSTER_HOME) on a full or read-only disk
        line = storage_failure(exc)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 1


STORAGE_ERRORS = {"database or disk is full": "No space left on device",
                  "attempt to write a readonly database": "Read-only file system"}


def storage_failure(exc: BaseException) -> str | None:
    """One line for a failure of Dagster's instance storage, else None (anything else keeps its traceback)."""
    from .settings import Settings

    seen: BaseException | None = exc
    while seen is not None:
        for needle, said in STORAGE_ERRORS.items():
            if needle in str(seen):
                return (f"{said}: Dagster's run storage in {Settings.from_env().dagster_home} could not be written "
                        "(LAYOFFS_AI_HOME and DAGSTER_HOME must be writable folders with free space)")
        seen = seen.__cause__ or seen.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
