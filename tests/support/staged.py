"""Test support: snapshots loaded into raw as text (the real loader) and typed by their dbt staging models."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion import sources
from ingestion.core import Snapshot
from warehouse.raw_load import LoadResult, ensure_raw_tables, load_rows

REPO = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


def build_staging(db: Path, tables: list[str], work: Path, command: str = "build") -> None:
    """`dbt <command>` of the staging models of `tables` on `db` (what `ingest` runs after the load): the rows are
    typed, typing rejects are in the rejects models (staging.rejects: all rejects) and staging.load_outcomes has the
    accepted rows (every staging model is built: the union and the outcomes read them all)."""
    target = work / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    partial = REPO / "dbt_project" / "target" / "partial_parse.msgpack"
    if partial.is_file():  # start from the project's parse, as the pipeline does
        shutil.copy(partial, target / partial.name)
    models = [f"stg_{table}" for table in tables] + ["+load_outcomes"]
    result = subprocess.run(
        [str(DBT), command, "--project-dir", str(REPO / "dbt_project"), "--profiles-dir", str(REPO / "dbt_project"),
         "--target", "pipeline", "--vars", json.dumps({"warehouse_path": str(db)}), "--target-path", str(target),
         "--log-path", str(target), "--select", *models],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"dbt {command} of {models} failed:\n{result.stdout[-3000:]}")


@dataclass
class Loaded:
    """A warehouse holding some snapshots' rows: raw (text) and, once typed, staging."""

    db: Path
    loads: dict[str, LoadResult] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    typed: bool = False

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def _by_line(self, relation: str, line_column: str, source: str | None) -> dict[int, dict]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            where = f"WHERE {'_source' if line_column.startswith('_') else 'source'} = ?" if source else ""
            cur = con.execute(f"SELECT * FROM {relation} {where} ORDER BY {line_column}", [source] if source else [])
            names = [d[0] for d in cur.description]
            return {row[names.index(line_column)]: dict(zip(names, row)) for row in cur.fetchall()}
        finally:
            con.close()

    def raw(self, table: str, source: str | None = None) -> dict[int, dict]:
        """Line number -> the raw row (text columns, `_extra`, provenance)."""
        return self._by_line(f"raw.{table}", "_line_number", source)

    def staged(self, table: str, source: str | None = None) -> dict[int, dict]:
        """Line number -> the typed row staging accepted."""
        assert self.typed, "type() the snapshots first"
        return self._by_line(f"staging.stg_{table}", "line_number", source)

    def rejects(self, source: str | None = None) -> list[tuple[int, str, str]]:
        """(line number, reason, raw text) of every reject, framing and (once typed) typing, in line order."""
        where = "WHERE source = ?" if source else ""
        relation = "staging.rejects" if self.typed else "raw._rejects"
        return self.query(f"SELECT line_number, reason, raw_text FROM {relation} {where} ORDER BY line_number",
                          [source] if source else [])

    def counts(self, source: str) -> tuple[int, int, int]:
        """(input rows, accepted rows, rejects) of one source: raw._loads and, once typed, what staging accepted of
        that load (before: the raw rows and framing rejects)."""
        if not self.typed:
            return self.query("SELECT input_rows, rows, rejects FROM raw._loads WHERE source = ?", [source])[0]
        return self.query("SELECT l.input_rows, coalesce(o.accepted_rows, 0), l.input_rows - coalesce(o.accepted_rows, 0) "
                          "FROM raw._loads AS l LEFT JOIN staging.load_outcomes AS o ON o.source = l.source "
                          "AND o.snapshot_sha256 = l.sha256 WHERE l.source = ?", [source])[0]


Snapshots = dict[str, "Snapshot | tuple[str, Snapshot]"]


def _dataset_of(label: str, item) -> tuple[str, Snapshot]:
    return item if isinstance(item, tuple) else (label, item)


def load(snapshots: Snapshots, db: Path) -> Loaded:
    """Load each snapshot into raw at `db`, as text, with the project's loader. Keys are the `_source` the rows get:
    a dataset id, or any label mapped to (dataset id, snapshot), so that variants of one dataset sit side by side."""
    out = Loaded(Path(db))
    con = duckdb.connect(str(db))
    try:
        ensure_raw_tables(con, sources.RAW_TABLES)
        for label, item in snapshots.items():
            dataset_id, snapshot = _dataset_of(label, item)
            rows = sources.read(dataset_id, snapshot)
            out.warnings += rows.warnings
            out.loads[label] = load_rows(con, rows, source=label, sha256=snapshot.sha256,
                                         snapshot_date=snapshot.snapshot_date, snapshot_path=str(snapshot.path))
    finally:
        con.close()
    return out


def load_and_type(snapshots: Snapshots, work: Path) -> Loaded:
    """`load`, then `dbt run` of the staging models of the datasets' tables (typing and typing rejects)."""
    work.mkdir(parents=True, exist_ok=True)
    loaded = load(snapshots, work / "warehouse.duckdb")
    datasets = {_dataset_of(label, item)[0] for label, item in snapshots.items()}
    tables = sorted({t for d in datasets for t in sources.DATASETS[d][0].tables})
    build_staging(loaded.db, tables, work, command="run")
    loaded.typed = True
    return loaded


def load_snapshot(dataset_id: str, snapshot: Snapshot) -> LoadResult:
    """The loader's result for one snapshot, in an in-memory warehouse (raw rows and framing rejects)."""
    con = duckdb.connect()
    try:
        ensure_raw_tables(con, sources.RAW_TABLES)
        return load_rows(con, sources.read(dataset_id, snapshot), source=dataset_id, sha256=snapshot.sha256,
                         snapshot_date=snapshot.snapshot_date)
    finally:
        con.close()
