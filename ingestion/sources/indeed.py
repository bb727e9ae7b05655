"""Indeed Hiring Lab US job-postings index: fetch the CSVs (I/O) and parse them into `indeed__*` tables (pure)."""

from __future__ import annotations

from datetime import date

from ingestion.core import Column, Dataset, Origin, ParseResult, Snapshot, Table, pick_dataset
from ingestion.csvparse import CsvSchema, check_header, fill, read_csv
from ingestion.values import (
    labelled,
    parse_float,
    parse_iso_date,
    plausible_date,
    plausible_number,
    require_key,
    text_or_none,
)

_RAW = "https://raw.githubusercontent.com/hiring-lab/job_postings_tracker/master/US"
_CONTENT_TYPES = ("text/csv", "text/plain")  # GitHub raw serves text/plain
EARLIEST = date(2020, 1, 1)  # the index starts on 2020-02-01 (= 100)
INDEX_RANGE = (0.0, 10_000.0)

ORIGIN = Origin(
    name="Indeed Hiring Lab",
    url="https://github.com/hiring-lab/job_postings_tracker",
    license="CC BY 4.0",
    citation="Indeed Hiring Lab, job postings tracker",
)
BY_SECTOR = Dataset(
    id="indeed_postings_by_sector",
    origin=ORIGIN,
    url=f"{_RAW}/job_postings_by_sector_US.csv",
    filename="job_postings_by_sector_US.csv",
    offline_glob="indeed_postings_by_sector_us_*.csv",
    content_types=_CONTENT_TYPES,
    tables=("indeed__postings_by_sector",),
    date_column="date",
)
AGGREGATE = Dataset(
    id="indeed_postings_aggregate",
    origin=ORIGIN,
    url=f"{_RAW}/aggregate_job_postings_US.csv",
    filename="aggregate_job_postings_US.csv",
    offline_glob="indeed_postings_aggregate_us_*.csv",
    content_types=_CONTENT_TYPES,
    tables=("indeed__postings_aggregate",),
    date_column="date",
)
DATASETS: tuple[Dataset, ...] = (BY_SECTOR, AGGREGATE)

BY_SECTOR_TABLE = "indeed__postings_by_sector"
BY_SECTOR_COLUMNS = [
    Column("date", "DATE"),
    Column("jobcountry", "VARCHAR"),
    Column("indeed_job_postings_index", "DOUBLE"),
    Column("variable", "VARCHAR"),
    Column("display_name", "VARCHAR"),
    Column("_extra", "JSON"),
]
BY_SECTOR_SCHEMA = CsvSchema(
    source="indeed_postings_by_sector",
    required=("date", "jobcountry", "indeed_job_postings_index", "variable", "display_name"),
)

AGGREGATE_TABLE = "indeed__postings_aggregate"
AGGREGATE_COLUMNS = [
    Column("date", "DATE"),
    Column("jobcountry", "VARCHAR"),
    Column("indeed_job_postings_index_sa", "DOUBLE"),
    Column("indeed_job_postings_index_nsa", "DOUBLE"),
    Column("variable", "VARCHAR"),
    Column("_extra", "JSON"),
]
AGGREGATE_SCHEMA = CsvSchema(
    source="indeed_postings_aggregate",
    required=("date", "jobcountry", "indeed_job_postings_index_SA", "indeed_job_postings_index_NSA", "variable"),
)


def fetch(dataset: str | Dataset = BY_SECTOR, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Download (or pick up offline) one Indeed CSV as a stored snapshot."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)



def _by_sector(positions: dict[str, int | None], snapshot_date: date):
    date_at, country_at, index_at, variable_at, name_at = (positions[n] for n in BY_SECTOR_SCHEMA.required)

    def convert(fields: list[str]) -> tuple:
        when = labelled("date", parse_iso_date, require_key("date", fields[date_at]))
        return (
            plausible_date("date", when, EARLIEST, snapshot_date),
            text_or_none(fields[country_at]),
            plausible_number("indeed_job_postings_index",
                             labelled("indeed_job_postings_index", parse_float, fields[index_at]), *INDEX_RANGE),
            text_or_none(fields[variable_at]),
            text_or_none(fields[name_at]),
        )

    return convert


def _aggregate(positions: dict[str, int | None], snapshot_date: date):
    date_at, country_at, sa_at, nsa_at, variable_at = (positions[n] for n in AGGREGATE_SCHEMA.required)

    def convert(fields: list[str]) -> tuple:
        when = labelled("date", parse_iso_date, require_key("date", fields[date_at]))
        return (
            plausible_date("date", when, EARLIEST, snapshot_date),
            text_or_none(fields[country_at]),
            plausible_number("indeed_job_postings_index_sa",
                             labelled("indeed_job_postings_index_sa", parse_float, fields[sa_at]), *INDEX_RANGE),
            plausible_number("indeed_job_postings_index_nsa",
                             labelled("indeed_job_postings_index_nsa", parse_float, fields[nsa_at]), *INDEX_RANGE),
            text_or_none(fields[variable_at]),
        )

    return convert


_LAYOUTS = {
    BY_SECTOR.id: (BY_SECTOR_SCHEMA, BY_SECTOR_TABLE, BY_SECTOR_COLUMNS, _by_sector),
    AGGREGATE.id: (AGGREGATE_SCHEMA, AGGREGATE_TABLE, AGGREGATE_COLUMNS, _aggregate),
}


def parse(snapshot: Snapshot) -> ParseResult:
    """Typed rows of one Indeed CSV; which table is chosen by the snapshot's dataset id."""
    layout = _LAYOUTS.get(snapshot.source)
    if layout is None:
        raise ValueError(f"indeed: snapshot source {snapshot.source!r} is not an Indeed dataset")
    schema, name, columns, converter = layout
    csv_file = read_csv(snapshot.read_bytes(), schema)
    table = Table(name, columns)
    rejects = fill(csv_file, table, converter(csv_file.positions, snapshot.snapshot_date))
    return ParseResult(
        source=snapshot.source,
        primary=name,
        tables={name: table},
        rejects=rejects,
        input_rows=csv_file.input_rows,
        warnings=csv_file.warnings,
    )


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the file's header carries every required column (cheap, before loading)."""
    layout = _LAYOUTS.get(snapshot.source)
    if layout is None:
        raise ValueError(f"indeed: snapshot source {snapshot.source!r} is not an Indeed dataset")
    check_header(snapshot.read_bytes(), layout[0])

RAW_TABLES: dict[str, list[Column]] = {BY_SECTOR_TABLE: BY_SECTOR_COLUMNS, AGGREGATE_TABLE: AGGREGATE_COLUMNS}
