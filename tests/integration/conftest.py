"""Fault-injection harness: a published fixture warehouse, per-test copies of it, and published-file guards."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingestion import sources
from ingestion.http import HttpClient, HttpConfig
from orchestration.ingest_steps import IngestOutcome, ingest_one
from orchestration.settings import Settings
from tests.support.built_once import built_once
from tests.support.fixture_snapshots import make_fixture_snapshot_dir
from tests.support.http_server import http_server  # noqa: F401 - fixture re-exported to the fault tests
from tests.support.staged import build_staging
from warehouse.write_audit_publish import WarehousePaths, WriterLock, discard_staging, end_run, prepare_staging, publish

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "orchestration.cli"]

# dataset id -> raw table holding its rows, as each source module declares it (ingestion/sources/)
TABLE_OF = {dataset_id: dataset.tables[0] for dataset_id, (dataset, _) in sources.DATASETS.items()}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli_env(home: Path, snapshot_dir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env["LAYOFFS_AI_HOME"] = str(home)
    if snapshot_dir is not None:
        env["LAYOFFS_AI_SNAPSHOT_DIR"] = str(snapshot_dir)
    return env


def run_cli(args: list[str], home: Path, snapshot_dir: Path | None, timeout: float = 120,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, cwd=REPO, env=cli_env(home, snapshot_dir) | (extra_env or {}),
                          capture_output=True, text=True, timeout=timeout)


def count_records(data: bytes) -> int:
    """Data records of a CSV file counted independently of the parser: csv.reader, minus header and blank lines."""
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), strict=False) if row]
    return max(len(rows) - 1, 0)


def append_row(data: bytes, row: bytes) -> tuple[bytes, int]:
    """`data` with one more physical line `row`; returns the new bytes and the 1-based line number of that row."""
    if not data.endswith(b"\n"):
        data += b"\n"
    return data + row + b"\n", data.count(b"\n") + 1


def physical_line(data: bytes, number: int) -> bytes:
    return data.split(b"\n")[number - 1].removesuffix(b"\r")


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The CLI's single `error: ...` line; fails when there is a traceback or not exactly one error line."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@dataclass(frozen=True)
class Pristine:
    home: Path
    snapshots: Path


@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> Pristine:
    """A LAYOFFS_AI_HOME whose warehouse was published by `layoffs-ai ingest` from the fixture snapshots: built
    once per session (across xdist workers) and shared read-only; `fault_home` gives each test its own copy."""

    def build(base: Path) -> None:
        make_fixture_snapshot_dir(base / "snapshots")
        result = run_cli(["ingest"], base / "home", base / "snapshots")
        assert result.returncode == 0, result.stderr

    base = built_once(tmp_path_factory, "fault_pristine", build)
    assert (base / "home" / "warehouse.duckdb").is_file()
    return Pristine(base / "home", base / "snapshots")


@pytest.fixture(scope="session")
def published_run(pristine: Pristine, tmp_path_factory) -> Pristine:
    """The pristine home after a full `layoffs-ai run` (warehouse, charts and report published): built once per
    session (across xdist workers) and shared read-only; tests copy it before running anything on it."""

    def build(base: Path) -> None:
        shutil.copytree(pristine.home, base / "home", symlinks=True)  # keep `current` and its links as links
        result = run_cli(["run"], base / "home", pristine.snapshots, timeout=900)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

    return Pristine(built_once(tmp_path_factory, "fault_published_run", build) / "home", pristine.snapshots)


@dataclass
class FaultHome:
    """One test's own copy of the pristine home and snapshot dir, plus the published file's sha256 before the fault."""

    home: Path
    snapshots: Path
    published_sha: str

    @property
    def published(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def raw(self) -> Path:
        return self.home / "raw"

    def assert_published_unchanged(self) -> None:
        assert sha256_file(self.published) == self.published_sha, "the published warehouse changed"
        work = self.home / "work"
        leftovers = sorted(p.name for p in work.iterdir() if p.name not in ("writer.lock", "staging")) \
            if work.exists() else []
        assert leftovers == [], f"left behind in work/: {leftovers}"
        assert not (work / "staging" / ".writing").exists(), "a failed run's staging folder was kept"

    def snapshot_file(self, dataset_id: str) -> Path:
        dataset = sources.DATASETS[dataset_id][0]
        [path] = [p for p in self.snapshots.glob(dataset.offline_glob) if p.is_file()]
        return path

    def write_snapshot(self, dataset_id: str, data: bytes) -> Path:
        path = self.snapshot_file(dataset_id)
        path.write_bytes(data)
        return path

    def raw_files(self, dataset_id: str | None = None) -> dict[str, str]:
        """Every file under raw/ (or raw/<dataset>/) -> sha256, to prove nothing was added or half-written."""
        root = self.raw / dataset_id if dataset_id else self.raw
        return {str(p.relative_to(self.raw)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}

    def ingest(self, *args: str, snapshot_dir: Path | None = None) -> subprocess.CompletedProcess:
        return run_cli(["ingest", *args], self.home, snapshot_dir or self.snapshots)

    def query(self, sql: str, params: list | None = None, db: Path | None = None) -> list[tuple]:
        con = duckdb.connect(str(db or self.published), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def counts(self, source: str, db: Path | None = None) -> tuple[int, int]:
        """(accepted rows: those staging typed, staging.rejects rows: framing and typing) of one dataset in the
        published (or given) warehouse."""
        rows = self.query(f"SELECT count(*) FROM staging.stg_{TABLE_OF[source]} WHERE source = ?", [source], db)[0][0]
        rejects = self.query("SELECT count(*) FROM staging.rejects WHERE source = ?", [source], db)[0][0]
        return rows, rejects

    def all_counts(self) -> dict[str, tuple[int, int]]:
        return {source: self.counts(source) for source in TABLE_OF}


@pytest.fixture
def fault_home(pristine: Pristine, tmp_path: Path) -> FaultHome:
    home = tmp_path / "home"
    snapshots = tmp_path / "snapshots"
    shutil.copytree(pristine.home, home, symlinks=True)  # keep `current` and its links as links
    shutil.copytree(pristine.snapshots, snapshots)
    return FaultHome(home, snapshots, sha256_file(home / "warehouse.duckdb"))


def ingest_in_process(home: Path, dataset_id: str, *, client: HttpClient | None = None,
                      snapshot_dir: Path | None = None) -> IngestOutcome:
    """What `layoffs-ai ingest --only <dataset>` does, in this process: staging copy, ingest_one, its staging
    models (dbt), publish.

    On any error the staging copy is removed (as the CLI does) and the error propagates.
    """
    paths = WarehousePaths(home)
    run_id = f"fault-{uuid.uuid4().hex[:8]}"
    with WriterLock(paths, f"test {run_id}"):
        try:
            prepare_staging(paths, run_id)
            con = duckdb.connect(str(paths.staging_copy))
            try:
                outcome = ingest_one(con, dataset_id, Settings(home=home, snapshot_dir=snapshot_dir), client)
            finally:
                con.close()
            build_staging(paths.staging_copy, list(sources.DATASETS[dataset_id][0].tables),
                          home / "dbt_target" / run_id)
            publish(paths, run_id)
            end_run(paths, run_id, succeeded=True)
        except BaseException:
            discard_staging(paths)
            raise
    return outcome


def fast_client(**overrides) -> HttpClient:
    """The real HttpClient with backoff 0 and short timeouts (127.0.0.1 only)."""
    settings = dict(connect_timeout=2.0, read_timeout=2.0, total_retries=2, backoff_factor=0.0)
    settings.update(overrides)
    return HttpClient(HttpConfig(**settings))


@pytest.fixture
def serve_dataset(monkeypatch):
    """Point a dataset's live URL at the scripted local server for this test: `serve_dataset(id, url)`."""

    def point(dataset_id: str, url: str) -> None:
        dataset, module = sources.DATASETS[dataset_id]
        monkeypatch.setitem(sources.DATASETS, dataset_id, (dataclasses.replace(dataset, url=url), module))

    return point
