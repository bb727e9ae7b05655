"""What one night learned about a source: ok, stale or missing, and which snapshot the raw tables hold."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

from ingestion.core import Snapshot
from safetext import safe_line


@dataclass(frozen=True)
class FetchOutcome:
    """One dataset's fetch and layout check: the stored snapshot, or the one-line reason it failed."""

    dataset: str
    snapshot: Snapshot | None  # stored download (kept on disk even when its layout was refused)
    error: str  # "" when the fetch succeeded and the layout check passed
    seconds: float
    offline: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class SourceState:
    """Recorded as the metadata of each `snapshots/<dataset>` observation and read back by the raw load."""

    dataset: str
    status: str  # ok | stale | missing
    error: str  # why it is stale or missing, "" when ok
    accepted_sidecar: str  # sidecar of the snapshot the raw tables hold ("" when none)
    accepted_sha256: str
    retrieved_at: str  # of the accepted snapshot
    last_success_at: str
    attempted_at: str
    download: str  # this night's download, kept for inspection even when refused ("" when none)

    @property
    def data_version(self) -> str:
        """sha256 of the accepted snapshot when ok; a stale or missing source has its own version, so that
        the raw tables (and the report) are rebuilt once to say so, and not again until it changes."""
        if self.status == "ok":
            return self.accepted_sha256
        return f"{self.status}:{self.accepted_sha256 or 'none'}"

    def as_metadata(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> SourceState | None:
        """Read back from observation metadata (values may be Dagster MetadataValue objects)."""
        values = {name: getattr(value, "value", value) for name, value in metadata.items()}
        try:
            return cls(**{f.name: str(values[f.name] or "") for f in fields(cls)})
        except KeyError:
            return None  # an observation written by older code


def decide(outcome: FetchOutcome, previous: SourceState | None, now: str) -> SourceState:
    """The new state of a source from tonight's outcome and the last recorded state (its error one line, without
    terminal escapes or secrets: it goes to the CLI, the event log, raw._source_status and the report)."""
    outcome = replace(outcome, error=safe_line(outcome.error)) if outcome.error else outcome
    if outcome.ok and outcome.snapshot is not None:
        snap = outcome.snapshot
        return SourceState(outcome.dataset, "ok", "", f"{snap.path}.json", snap.sha256, snap.retrieved, now, now,
                           str(snap.path))
    download = str(outcome.snapshot.path) if outcome.snapshot is not None else ""
    if previous is not None and previous.accepted_sha256:
        return replace(previous, status="stale", error=outcome.error, attempted_at=now, download=download)
    return SourceState(outcome.dataset, "missing", outcome.error, "", "", "", "", now, download)
