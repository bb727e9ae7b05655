"""Shared ingestion types: origins, datasets, snapshots, parse results and the errors they raise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


class IngestionError(Exception):
    """Base class: every ingestion error carries a one-line, human-readable message."""


class FetchError(IngestionError):
    """A download failed (HTTP status, timeout, truncated or oversized body, wrong content type)."""


class SchemaError(IngestionError):
    """A snapshot does not match the declared schema (missing/renamed column, empty file, layout changed)."""


class SnapshotIntegrityError(IngestionError):
    """A stored snapshot's bytes no longer match the sha256 recorded in its sidecar."""


@dataclass(frozen=True)
class Origin:
    """Where a dataset comes from: the provenance written into every snapshot sidecar."""

    name: str
    url: str
    license: str
    citation: str


@dataclass(frozen=True)
class Dataset:
    """One downloadable file of a source; its id is the load unit (`raw._loads.source`)."""

    id: str  # e.g. "epoch_notable"
    origin: Origin
    url: str  # live download URL
    filename: str  # file name used in raw/<id>/<date>/<filename>
    offline_glob: str  # pattern of the file in LAYOFFS_AI_SNAPSHOT_DIR, e.g. "epoch_notable_ai_models_*.csv"
    content_types: tuple[str, ...] = ("text/csv",)  # accepted Content-Type prefixes for live fetches
    tables: tuple[str, ...] = ()  # raw tables its snapshot loads; the first is its primary table
    date_column: str | None = None  # event/publication date column of the primary table ("data through")


@dataclass(frozen=True)
class SnapshotAttachment:
    """A file stored beside a snapshot (e.g. the page its data URL came from), listed in its sidecar."""

    name: str  # file name in the snapshot's folder
    path: Path
    url: str
    sha256: str
    bytes: int
    content_type: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """An immutable raw download on disk plus its provenance (mirrors the JSON sidecar)."""

    source: str  # Dataset.id
    path: Path
    url: str
    accessed_at: str  # ISO-8601 UTC, when the pipeline stored it, e.g. "2026-11-23T03:00:00+00:00"
    sha256: str
    bytes: int
    license: str
    etag: str | None = None
    content_type: str | None = None
    origin_name: str = ""
    citation: str = ""
    retrieved_at: str = ""  # ISO-8601 UTC: when downloaded, or the mtime of a file read from a snapshot folder

    @property
    def retrieved(self) -> str:
        """When the bytes were retrieved (older sidecars without `retrieved_at`: when they were stored)."""
        return self.retrieved_at or self.accessed_at
    attachments: tuple[SnapshotAttachment, ...] = ()  # provenance files beside it (sidecar `attachments`)

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    @property
    def snapshot_date(self) -> date:
        return date.fromisoformat(self.accessed_at[:10])


@dataclass(frozen=True)
class Column:
    """A raw-table column: name and DuckDB type."""

    name: str
    type: str


@dataclass
class Table:
    """Typed rows for one raw table (name without the `raw.` schema), rows as tuples in column order.

    Parsers record each row's source line number in `line_numbers`; the loader adds the provenance
    columns `_source`, `_snapshot_sha256`, `_line_number` itself.
    """

    name: str
    columns: list[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)

    def add(self, line_number: int, row: tuple[Any, ...]) -> None:
        if len(row) != len(self.columns):
            raise ValueError(f"{self.name}: row has {len(row)} values for {len(self.columns)} columns")
        self.rows.append(row)
        self.line_numbers.append(line_number)


@dataclass(frozen=True)
class Reject:
    """A row that could not be parsed: where it was, its raw text, and why."""

    line_number: int
    raw_text: str
    reason: str


@dataclass
class ParseResult:
    """What `parse(snapshot)` returns: typed tables, rejects, and how many data rows the input held.

    Invariant checked by tests: rows in `tables[primary]` + len(rejects) == input_rows.
    """

    source: str
    primary: str  # name of the main table, e.g. "layoffs_fyi__layoffs"
    tables: dict[str, Table]
    rejects: list[Reject]
    input_rows: int
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.tables[self.primary].rows)


def pick_dataset(datasets: tuple[Dataset, ...], dataset: "str | Dataset") -> Dataset:
    """The Dataset itself, or the one of `datasets` with that id (KeyError naming the known ids)."""
    if isinstance(dataset, Dataset):
        return dataset
    for candidate in datasets:
        if candidate.id == dataset:
            return candidate
    raise KeyError(f"unknown dataset {dataset!r} (known: {', '.join(d.id for d in datasets)})")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
