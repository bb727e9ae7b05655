"""Shared ingestion types: origins, datasets, snapshots, parse results and the errors they raise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from safetext import redact_text, terminal_safe


class IngestionError(Exception):
    """Base class: every ingestion error carries a one-line, human-readable message, secrets in URLs redacted and
    terminal escapes a server sent (e.g. in a reason phrase) removed."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(terminal_safe(redact_text(a), keep_lines=True) if isinstance(a, str) else a
                           for a in args))


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
    # what its rows measure, in the words analytics uses to say which sources feed a chart (e.g. "layoffs",
    # "model_releases", "notable_models", "job_postings", "job_postings_by_sector")
    topics: tuple[str, ...] = ()
    # hosts (subdomains included) that URLs found in its downloads (iframes, data URLs, redirects) may point at,
    # beside the origin of the document that names them (ingestion/outbound.py)
    allowed_hosts: tuple[str, ...] = ()


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


def raw_name(header: str) -> str:
    """A raw column's name from a source's header name: lower case, runs of other characters -> '_'
    (`Country (from Organization)` -> `country_from_organization`)."""
    return "_".join(part for part in "".join(c if c.isalnum() else " " for c in header.lower()).split())


@dataclass(frozen=True)
class CsvSchema:
    """Declared columns of a CSV source: `required` must be in the header, `optional` may be absent.

    Names are matched against the header ignoring case and surrounding whitespace; the raw column of a
    declared name is `raw_name(name)`; every other header column is undeclared and kept in `_extra`.
    """

    source: str  # dataset id, used in error messages
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def raw_columns(self) -> list[Column]:
        return [Column(raw_name(name), "VARCHAR") for name in self.required + self.optional]


@dataclass(frozen=True)
class TextRecord:
    """One record an extractor read (HTML page, shared-view JSON): its fields as text, or why it is unreadable."""

    line_number: int
    raw_text: str  # the record as found (a row's JSON, a table row's cells joined with " | ")
    fields: list[str | None] | None  # in the order of `SnapshotRows.header`; None when `problem` is set
    problem: str | None = None


@dataclass
class TextTable:
    """Rows of a further raw table a snapshot fills (e.g. the tracker page's weekly tallies), as text."""

    name: str
    columns: list[str]
    rows: list[tuple[int, str, tuple[str | None, ...]]] = field(default_factory=list)  # (line, raw text, values)


@dataclass
class SnapshotRows:
    """Where a snapshot's records are, for the loader: a CSV file DuckDB reads (`path`), or the records a small
    extractor read (`records`). `columns` maps each raw column of `table` to its field index in a record
    (None: absent from this snapshot, loaded as NULL); `extra` maps each undeclared field to its index."""

    source: str
    table: str
    format: str  # 'csv' | 'html' | 'json' (raw `_snapshot_format`)
    columns: dict[str, int | None]
    extra: dict[str, int]
    width: int  # fields in every record (CSV: the header's)
    path: Path | None = None
    header_line: int = 1  # CSV: physical line of the header
    records: list[TextRecord] | None = None
    side_tables: list[TextTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
