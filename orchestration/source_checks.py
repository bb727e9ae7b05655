"""Checks beside each source snapshot, evaluated by every observation: is it current, and is it changing."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from ingestion.snapshot import SnapshotStore

from .source_state import SourceState

MAX_SNAPSHOT_AGE_DAYS = 8
WARN = dg.AssetCheckSeverity.WARN


def _key(dataset_id: str) -> dg.AssetKey:
    return dg.AssetKey(["snapshots", dataset_id])


def source_check_specs(dataset_ids: list[str]) -> list[dg.AssetCheckSpec]:
    return [spec for d in dataset_ids for spec in (
        dg.AssetCheckSpec("source_status", asset=_key(d), description=(
            "The last fetch and layout check succeeded. Fails (WARN) with the error when the source is stale "
            "(its last good rows are kept) or missing (it never loaded).")),
        dg.AssetCheckSpec("snapshot_freshness", asset=_key(d), description=(
            f"The source's content changed within the last {MAX_SNAPSHOT_AGE_DAYS} days (the same sha256 for "
            "longer: the source may have stopped updating).")),
    )]


def _freshness(state: SourceState, store: SnapshotStore) -> dg.AssetCheckResult:
    history = [s for s in store.list(state.dataset) if s.sha256 == state.accepted_sha256]
    if not history:
        return dg.AssetCheckResult(asset_key=_key(state.dataset), check_name="snapshot_freshness", passed=False,
                                   severity=WARN, description="no accepted snapshot stored yet")
    first_seen = min(s.retrieved for s in history)
    age = datetime.now(timezone.utc) - datetime.fromisoformat(first_seen)
    return dg.AssetCheckResult(
        asset_key=_key(state.dataset), check_name="snapshot_freshness", passed=age.days <= MAX_SNAPSHOT_AGE_DAYS,
        severity=WARN, metadata={"content_unchanged_since": first_seen, "age_days": age.days,
                                 "sha256": state.accepted_sha256})


def source_check_results(state: SourceState, store: SnapshotStore) -> list[dg.AssetCheckResult]:
    status = dg.AssetCheckResult(
        asset_key=_key(state.dataset), check_name="source_status", passed=state.status == "ok", severity=WARN,
        description=state.error or None,
        metadata={"status": state.status, "last_success_at": state.last_success_at or "never"})
    return [status, _freshness(state, store)]
