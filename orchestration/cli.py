"""The `layoffs-ai` command line: run the pipeline, ingest only, and query the published warehouse."""

from __future__ import annotations

import argparse
import sys
import threading
import warnings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layoffs-ai",
        description="Tech layoffs vs AI production: a nightly ETL into a DuckDB warehouse.",
        epilog="Environment: LAYOFFS_AI_HOME (default: the checkout's data/ folder, whatever the working directory), LAYOFFS_AI_SNAPSHOT_DIR (offline source files).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from .pipeline_cli import register as register_ui
    from .run_cli import register as register_run

    register_run(sub)
    register_ui(sub)
    from sqlcli.main import register as register_sql

    # read when a query runs, not at parse time
    register_sql(sub, home=lambda: _sql_settings().home, memory_limit=lambda: _sql_settings().sql_memory_limit)
    return parser


def _sql_settings():
    """The settings a query command reads; a bad value is its one-line usage error (exit 2), as for `run`."""
    from sqlcli.main import UsageError

    from .settings import Settings

    try:
        return Settings.from_env()
    except ValueError as exc:
        raise UsageError(f"error: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    if args.command != "sql":  # `sql` renders query results itself (sqlcli/render.py, the same sanitiser)
        _clean_streams()
    try:
        code, failure = _dispatch(args)
        if args.command in ALERTING and code in (1, 2):  # not 3 (--strict: published, a source stale) nor 130/143
            _alert(args, failure)
    finally:
        sys.stdout.flush()
        sys.stdout, sys.stderr = streams
    return code


ALERTING = ("run", "ingest")  # their failure exits alert as the sensor does for a failed Dagster run


def _clean_streams() -> None:
    """Every line the command prints passes the one sanitiser (no terminal escape, no secret in a URL)."""
    from safetext import CleanWriter

    sys.stdout, sys.stderr = CleanWriter(sys.stdout), CleanWriter(sys.stderr)


def _alert(args: argparse.Namespace, failure: str) -> None:
    """The failed command's one alerts.log line and webhook POST; a webhook problem is one more line on stderr
    and never changes the exit code."""
    from .alerts import alert
    from .settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError:
        return  # the configuration itself is what failed: there is no home to write to
    run = getattr(args, "pipeline_run", None)
    failure = failure or (run.failure if run is not None else "") or "failed (see the output above)"
    run_id = run.run_ids[-1] if run is not None and run.run_ids else "(none started)"
    try:
        problem = alert(settings.home, settings.alert_webhook, f"layoffs-ai {args.command}", run_id, failure,
                        settings.http)
    except OSError as exc:
        problem = f"alerts.log could not be written: {exc.strerror or exc}"
    if problem:
        print(f"warning: {problem}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> tuple[int, str]:
    """Run the command: its exit code, and the one line saying why it failed when the line is printed here."""
    from warehouse.write_audit_publish import PublishError

    from .run_cli import Refused
    from .settings import environment_warnings

    # Dagster's notes to developers about its own beta/preview APIs are not for the people running the pipeline
    warnings.filterwarnings("ignore", message=r"(Function|Class|Parameter) `.*` is currently in (beta|preview)")
    for warning in environment_warnings():
        print(warning, file=sys.stderr)
    _quiet_storage_failures_in_threads()
    try:
        return int(args.func(args) or 0), ""
    except ValueError as exc:  # bad configuration, e.g. LAYOFFS_AI_SNAPSHOT_DIR is not a folder
        return _error(str(exc), 2)
    except PublishError as exc:  # e.g. a corrupt published warehouse, or another run is writing
        return _error(str(exc), 1)
    except Refused as exc:  # a selection whose work could never be published
        return _error(str(exc), 2)
    except OSError as exc:  # e.g. a read-only LAYOFFS_AI_HOME or a full disk
        where = f": {exc.filename}" if exc.filename else ""
        return _error(f"{exc.strerror or exc}{where} (LAYOFFS_AI_HOME must be a writable folder with free space)", 1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130, ""
    except Exception as exc:  # Dagster's own storage (sqlite under DAGSTER_HOME) on a full or read-only disk
        line = storage_failure(exc)
        if line is None:
            raise
        return _error(line, 1)


def _error(line: str, code: int) -> tuple[int, str]:
    print(f"error: {line}", file=sys.stderr)
    return code, line


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
        if "disk I/O error" in str(seen) and _home_nearly_full():  # SQLite on a full disk says this too
            return (f"No space left on device: Dagster's run storage in {Settings.from_env().dagster_home} could not "
                    "be written (LAYOFFS_AI_HOME and DAGSTER_HOME must be writable folders with free space)")
        seen = seen.__cause__ or seen.__context__
    return None


def _home_nearly_full() -> bool:
    import shutil

    from .settings import Settings

    try:
        return shutil.disk_usage(Settings.from_env().home).free < 1 << 20
    except (OSError, ValueError):
        return False


def _quiet_storage_failures_in_threads() -> None:
    """A background thread (Dagster's storage) that meets a full disk is not a traceback: the main thread says it in
    one line (stderr may already be closed by then, so the default hook would fail too)."""
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if storage_failure(args.exc_value) is None:
            previous(args)

    threading.excepthook = hook


if __name__ == "__main__":
    sys.exit(main())
