"""Indeed Hiring Lab US job-postings index: fetch the CSVs (I/O); DuckDB loads their rows as text into `indeed__*`."""

from __future__ import annotations

from ingestion.core import Column, CsvSchema, Dataset, Origin, Snapshot, SnapshotRows, pick_dataset
from ingestion.csvhead import check_header, csv_rows, read_head

_RAW = "https://raw.githubusercontent.com/hiring-lab/job_postings_tracker/master/US"
_CONTENT_TYPES = ("text/csv", "text/plain")  # GitHub raw serves text/plain

ORIGIN = Origin(
    name="Indeed Hiring Lab",
    url="https://github.com/hiring-lab/job_postings_tracker",
    license="CC BY 4.0",
    citation="Indeed Hiring Lab, job postings tracker",
)
BY_SECTOR = Dataset(
    id="indeed_postings_by_sector",
    topics=("job_postings", "job_postings_by_sector"),
    origin=ORIGIN,
    url=f"{_RAW}/job_postings_by_sector_US.csv",
    filename="job_postings_by_sector_US.csv",
    offline_glob="indeed_postings_by_sector_us_*.csv",
    content_types=_CONTENT_TYPES,
    tables=("indeed__postings_by_sector",),
    date_column="date",
    allowed_hosts=("githubusercontent.com", "github.com"),
)
AGGREGATE = Dataset(
    id="indeed_postings_aggregate",
    topics=("job_postings",),
    origin=ORIGIN,
    url=f"{_RAW}/aggregate_job_postings_US.csv",
    filename="aggregate_job_postings_US.csv",
    offline_glob="indeed_postings_aggregate_us_*.csv",
    content_types=_CONTENT_TYPES,
    tables=("indeed__postings_aggregate",),
    date_column="date",
    allowed_hosts=("githubusercontent.com", "github.com"),
)
DATASETS: tuple[Dataset, ...] = (BY_SECTOR, AGGREGATE)

BY_SECTOR_TABLE = "indeed__postings_by_sector"
BY_SECTOR_SCHEMA = CsvSchema(
    source="indeed_postings_by_sector",
    required=("date", "jobcountry", "indeed_job_postings_index", "variable", "display_name"),
)
AGGREGATE_TABLE = "indeed__postings_aggregate"
AGGREGATE_SCHEMA = CsvSchema(
    source="indeed_postings_aggregate",
    required=("date", "jobcountry", "indeed_job_postings_index_SA", "indeed_job_postings_index_NSA", "variable"),
)
_LAYOUTS = {BY_SECTOR.id: (BY_SECTOR_SCHEMA, BY_SECTOR_TABLE), AGGREGATE.id: (AGGREGATE_SCHEMA, AGGREGATE_TABLE)}


def fetch(dataset: str | Dataset = BY_SECTOR, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Download (or pick up offline) one Indeed CSV as a stored snapshot."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)


def _layout(snapshot: Snapshot) -> tuple[CsvSchema, str]:
    layout = _LAYOUTS.get(snapshot.source)
    if layout is None:
        raise ValueError(f"indeed: snapshot source {snapshot.source!r} is not an Indeed dataset")
    return layout


def read(snapshot: Snapshot) -> SnapshotRows:
    """One Indeed file's rows, read by DuckDB; which table is chosen by the snapshot's dataset id."""
    schema, table = _layout(snapshot)
    return csv_rows(snapshot.path, schema, table)


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the file's header carries every required column (cheap, before loading)."""
    check_header(read_head(snapshot.path), _layout(snapshot)[0])


RAW_TABLES: dict[str, list[Column]] = {
    BY_SECTOR_TABLE: BY_SECTOR_SCHEMA.raw_columns() + [Column("_extra", "JSON")],
    AGGREGATE_TABLE: AGGREGATE_SCHEMA.raw_columns() + [Column("_extra", "JSON")],
}
ORDER = 40  # place in listings (ingestion.sources)
