"""Build a Snapshot straight over a fixture file (no store), as the parser tests need."""

from __future__ import annotations

from pathlib import Path

from ingestion.core import Snapshot, sha256_bytes

ACCESSED = "2026-11-23T03:00:00+00:00"  # the snapshot date every future-date check compares against


def snapshot_over(path: Path, source: str, *, license: str = "test fixture",
                  content_type: str | None = None, accessed_at: str = ACCESSED) -> Snapshot:
    data = path.read_bytes()
    return Snapshot(source=source, path=path, url=path.as_uri(), accessed_at=accessed_at,
                    sha256=sha256_bytes(data), bytes=len(data), license=license, content_type=content_type)
