"""layoffs.fyi tech layoffs tracker: fetch its table export (I/O) and parse it into `layoffs_fyi__layoffs` (pure)."""

from __future__ import annotations

from datetime import date

from ingestion.core import Column, Dataset, Origin, ParseResult, Snapshot, Table, pick_dataset
from ingestion.csvparse import CsvSchema, check_header, fill, read_csv
from ingestion.values import (
    labelled,
    not_after,
    parse_count,
    parse_mdy_date,
    parse_nonnegative_float,
    parse_percent,
    require_key,
    text_or_none,
)

# Live location. layoffs.fyi renders its tracker from a public Airtable shared view (share id
# shrqYt5kSqMzHV9R5 in base app1PaujS9zxVGUZ4, table tbl8c8kanuNB6bPYr, as embedded on layoffs.fyi
# and used by public scrapers, e.g. RSSHub's layoffs route). Airtable's "Download CSV" for a shared
# view is a signed, short-lived request made by the page's JavaScript; there is no documented,
# stable CSV URL. So the default below is the shared view itself: a live fetch of it returns HTML,
# which the fetcher refuses (content type is not text/csv) with a clear FetchError instead of loading
# garbage. For live runs pass `url=` (or set LIVE_URL) to a CSV export of the view with the columns
# of SCHEMA. NOT VERIFIED OFFLINE: that the share id is still current, and what content type an
# exported CSV is served with. Offline runs use `layoffs_fyi_export_*.csv` (see docs/architecture.md).
LIVE_URL = "https://airtable.com/app1PaujS9zxVGUZ4/shrqYt5kSqMzHV9R5"

ORIGIN = Origin(
    name="layoffs.fyi",
    url="https://layoffs.fyi/",
    license="layoffs.fyi public data; cite layoffs.fyi",
    citation="Roger Lee, layoffs.fyi tech layoffs tracker",
)
LAYOFFS_FYI = Dataset(
    id="layoffs_fyi",
    origin=ORIGIN,
    url=LIVE_URL,
    filename="layoffs_fyi_export.csv",
    offline_glob="layoffs_fyi_export_*.csv",
    content_types=("text/csv",),
    tables=("layoffs_fyi__layoffs",),
    date_column="date",
)
DATASETS: tuple[Dataset, ...] = (LAYOFFS_FYI,)

TABLE = "layoffs_fyi__layoffs"
COLUMNS = [
    Column("company", "VARCHAR"),
    Column("location", "VARCHAR"),
    Column("total_laid_off_raw", "VARCHAR"),
    Column("total_laid_off", "BIGINT"),
    Column("total_laid_off_unclear", "BOOLEAN"),
    Column("date_raw", "VARCHAR"),
    Column("date", "DATE"),
    Column("percentage_laid_off_raw", "VARCHAR"),
    Column("percentage_laid_off", "DOUBLE"),
    Column("percentage_laid_off_unclear", "BOOLEAN"),
    Column("industry", "VARCHAR"),
    Column("source", "VARCHAR"),
    Column("stage", "VARCHAR"),
    Column("funds_raised", "DOUBLE"),
    Column("country", "VARCHAR"),
    Column("date_added", "DATE"),
    Column("_extra", "JSON"),
]
SCHEMA = CsvSchema(
    source="layoffs_fyi",
    required=(
        "company", "location", "total_laid_off", "date", "percentage_laid_off", "industry",
        "source", "stage", "funds_raised", "country", "date_added",
    ),
)


def fetch(dataset: str | Dataset = LAYOFFS_FYI, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Download (or pick up offline) the export as a stored snapshot; `url` overrides LIVE_URL."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)



def _converter(positions: dict[str, int | None], snapshot_date: date):
    (company_at, location_at, count_at, date_at, pct_at, industry_at, source_at, stage_at,
     funds_at, country_at, added_at) = (positions[name] for name in SCHEMA.required)

    def convert(fields: list[str]) -> tuple:
        company = require_key("company", fields[company_at])
        count = labelled("total_laid_off", parse_count, fields[count_at])
        date_raw = require_key("date", fields[date_at])
        when = not_after("date", labelled("date", parse_mdy_date, date_raw), snapshot_date)
        pct = labelled("percentage_laid_off", parse_percent, fields[pct_at])
        funds = labelled("funds_raised", parse_nonnegative_float, fields[funds_at])
        added_raw = fields[added_at]
        added = labelled("date_added", parse_mdy_date, added_raw) if added_raw.strip() else None
        not_after("date_added", added, snapshot_date)
        return (
            company,
            text_or_none(fields[location_at]),
            fields[count_at],
            count.value,
            count.unclear,
            date_raw,
            when,
            fields[pct_at],
            pct.value,
            pct.unclear,
            text_or_none(fields[industry_at]),
            text_or_none(fields[source_at]),
            text_or_none(fields[stage_at]),
            funds,
            text_or_none(fields[country_at]),
            added,
        )

    return convert


def parse(snapshot: Snapshot) -> ParseResult:
    """Typed rows of the layoffs.fyi export; bad records become rejects, a bad header a SchemaError."""
    csv_file = read_csv(snapshot.read_bytes(), SCHEMA)
    table = Table(TABLE, COLUMNS)
    rejects = fill(csv_file, table, _converter(csv_file.positions, snapshot.snapshot_date))
    return ParseResult(
        source=snapshot.source,
        primary=TABLE,
        tables={TABLE: table},
        rejects=rejects,
        input_rows=csv_file.input_rows,
        warnings=csv_file.warnings,
    )


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the file's header carries every required column (cheap, before loading)."""
    check_header(snapshot.read_bytes(), SCHEMA)

RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS}
