"""What a published warehouse was built from (code version + source sha256s), decided without importing Dagster."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import duckdb

REPO = Path(__file__).resolve().parents[1]
# every file whose change can change what a run publishes (Python, dbt SQL and YAML, seeds, chart inputs)
CODE = ("ingestion/**/*.py", "warehouse/**/*.py", "analytics/**/*.py", "analytics/**/*.csv", "orchestration/**/*.py",
        "safetext/**/*.py", "dbt_project/dbt_project.yml", "dbt_project/profiles.yml", "dbt_project/models/**/*",
        "dbt_project/macros/**/*", "dbt_project/seeds/**/*", "dbt_project/tests/**/*")


@lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """sha256 over the path and bytes of every code file (sorted): raw._publish_log.code_fingerprint."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in CODE for p in REPO.glob(pattern)}):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def offline_snapshots(snapshot_dir: Path, datasets: "Sequence[str] | None" = None) -> dict[str, str | None]:
    """sha256 of the file each dataset (`datasets`, default every one) would be snapshotted from in
    LAYOFFS_AI_SNAPSHOT_DIR (None: none usable).

    Offline, the snapshot store keeps the file's bytes as they are, so its sha256 is the snapshot's."""
    from ingestion import sources
    from ingestion.core import IngestionError
    from ingestion.fetching import find_offline_file

    out: dict[str, str | None] = {}
    for dataset_id, (dataset, _) in sources.DATASETS.items():
        if datasets is not None and dataset_id not in datasets:
            continue
        try:
            out[dataset_id] = hashlib.sha256(find_offline_file(dataset, snapshot_dir).read_bytes()).hexdigest()
        except (IngestionError, OSError):
            out[dataset_id] = None
    return out


def published(warehouse: Path) -> tuple[str, dict[str, str]] | None:
    """The code fingerprint and snapshot sha256s of the last publish of `warehouse` (None: none, or unreadable)."""
    if not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT code_fingerprint, snapshots FROM raw._publish_log "
                          "ORDER BY published_at DESC LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return (row[0], json.loads(row[1] or "{}")) if row else None


def published_statuses(warehouse: Path) -> dict[str, str]:
    """Dataset -> status (ok | stale | missing) in the published warehouse's raw._source_status (empty: unknown)."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return {}
    try:
        return dict(con.execute("SELECT dataset, status FROM raw._source_status").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.close()


def unchanged(warehouse: Path, snapshots: Mapping[str, str | None], statuses: Mapping[str, str] | None = None) -> bool:
    """True when the last publish was built by this code from exactly these snapshots (each one known) and, when
    `statuses` are given, published the same source statuses (a source turning stale is news to publish)."""
    last = published(warehouse)
    if last is None or last[0] != code_fingerprint() or None in snapshots.values():
        return False
    return dict(snapshots) == last[1] and (statuses is None or dict(statuses) == published_statuses(warehouse))
