"""layoffs.fyi tech layoffs tracker: fetch its table export (I/O) and parse it into `layoffs_fyi__layoffs` (pure)."""

from __future__ import annotations

import json
from datetime import date
from typing import Callable

from ingestion import airtable
from ingestion.core import Column, Dataset, Origin, ParseResult, Reject, Snapshot, Table, pick_dataset
from ingestion.csvparse import CsvFile, CsvRecord, CsvSchema, check_header, fill, read_csv
from ingestion.values import (
    labelled,
    LAYOFF_COUNTS,
    LAYOFF_DATES_FROM,
    plausible_date,
    plausible_number,
    parse_count,
    parse_iso_date,
    parse_mdy_date,
    parse_nonnegative_float,
    parse_percent,
    require_key,
    text_or_none,
)

# Live location, no configuration needed. layoffs.fyi renders its tracker from a public Airtable
# shared view embedded in an iframe on its home page (as of 2023: base app1PaujS9zxVGUZ4, share
# shrqYt5kSqMzHV9R5, view viwA14Z1pM69YIsaW). A live fetch does what the page's own client does:
# GET https://layoffs.fyi/ and find the Airtable embed iframe (or, when that fails, use the known
# embed page KNOWN_EMBED_URL); GET the embed page; take the signed `urlWithParams` of
# `…/readSharedViewData?…` from its inline script (its access policy expires: never hard-coded);
# GET that JSON with the web client's headers; store the JSON as the snapshot, the embed page as an
# attachment beside it. `url=` (LAYOFFS_AI_URL_LAYOFFS_FYI) may name a CSV export or an embed/share
# page: told apart by content (ingestion/airtable_fetch.py). Parsing maps view columns by name
# (VIEW_COLUMNS) onto the CSV export's fields, so both load the same table.
# VERIFIED against hand-written fixtures modelled on public scrapers of this very view (RSSHub's
# layoffs route, which reads `urlWithParams` from the embed page, sends these headers and resolves
# `typeOptions.choices`) and of other shared views (same JSON envelope `{msg, data: {table: {columns,
# rows}}}`), served by the local test server. NOT VERIFIED (no network in tests): that the share id
# and iframe are still current, and that Airtable still answers a non-browser client with JSON (it
# may want cookies, which the shared HTTP session keeps, or answer a login wall: a clear FetchError).
# Offline runs use `layoffs_fyi_export_*.csv` (see docs/architecture.md).
LIVE_URL = "https://layoffs.fyi/"
KNOWN_EMBED_URL = "https://airtable.com/embed/shrqYt5kSqMzHV9R5"
VIEW_FILENAME = "layoffs_fyi_airtable.json"
EMBED_FILENAME = "layoffs_fyi_airtable_embed.html"

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
    # the start URL: a CSV export, or an HTML page (home page, embed page); decided by content
    content_types=("text/csv", "text/plain", "application/csv", "application/octet-stream", "text/html"),
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
# CSV export field -> shared-view column names it accepts (the first is the view's own name); compared
# ignoring case, spaces and punctuation (`%` reads as 'percent'), see ingestion.airtable.column_key.
VIEW_COLUMNS = {
    "company": ("Company",),
    "location": ("Location HQ", "location"),
    "total_laid_off": ("# Laid Off", "total_laid_off"),
    "date": ("Date",),
    "percentage_laid_off": ("%", "percentage_laid_off"),
    "industry": ("Industry",),
    "source": ("Source",),
    "stage": ("Stage",),
    "funds_raised": ("$ Raised (mm)", "funds_raised"),
    "country": ("Country",),
    "date_added": ("Date Added",),
}


def fetch(dataset: str | Dataset = LAYOFFS_FYI, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Snapshot the table: offline the export CSV; live the shared view's JSON (or a CSV at `url`).

    `url` overrides the dataset's URL; only the built-in default falls back to KNOWN_EMBED_URL when
    the home page cannot be fetched or shows no embed iframe.
    """
    from ingestion import airtable_fetch, fetching  # I/O lives there; imported lazily
    from ingestion.http import HttpClient

    chosen = pick_dataset(DATASETS, dataset)
    if snapshot_dir is not None:
        return fetching.fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir)
    start = url or chosen.url
    own_client = client is None
    client = client or HttpClient()
    try:
        return airtable_fetch.fetch_table(
            chosen, store=store, client=client, url=start, filename=VIEW_FILENAME, page_filename=EMBED_FILENAME,
            fallback_embed_url=KNOWN_EMBED_URL if start == LIVE_URL else None,
        )
    finally:
        if own_client:
            client.close()


def _converter(positions: dict[str, int | None], snapshot_date: date, parse_date: Callable[[str], date]):
    (company_at, location_at, count_at, date_at, pct_at, industry_at, source_at, stage_at,
     funds_at, country_at, added_at) = (positions[name] for name in SCHEMA.required)

    def convert(fields: list[str]) -> tuple:
        company = require_key("company", fields[company_at])
        count = labelled("total_laid_off", parse_count, fields[count_at])
        plausible_number("total_laid_off", count.value, *LAYOFF_COUNTS)
        date_raw = require_key("date", fields[date_at])
        when = plausible_date("date", labelled("date", parse_date, date_raw), LAYOFF_DATES_FROM, snapshot_date)
        pct = labelled("percentage_laid_off", parse_percent, fields[pct_at])
        funds = labelled("funds_raised", parse_nonnegative_float, fields[funds_at])
        added_raw = fields[added_at]
        added = labelled("date_added", parse_date, added_raw) if added_raw.strip() else None
        plausible_date("date_added", added, LAYOFF_DATES_FROM, snapshot_date)
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


def _read_view(data: bytes) -> CsvFile:
    """The shared view's JSON as the CSV reader would give it: header, positions, records, rejects.

    A row's line number is its index in `rows` + 2 (the column header is line 1, as in the export);
    its raw text is the row's JSON. Undeclared columns go to `_extra`; exact duplicates (same text in
    every cell) are rejected like duplicate CSV records.
    """
    view = airtable.read_view(data, SCHEMA.source)
    names = [column.name for column in view.columns]
    positions = airtable.match_columns(names, VIEW_COLUMNS, SCHEMA.source)
    extra_at = [i for i in range(len(names)) if i not in positions.values()]
    records: list[CsvRecord] = []
    rejects: list[Reject] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in view.rows:
        if row.problem is not None:
            rejects.append(Reject(row.line_number, row.raw_text, row.problem))
            continue
        first = seen.setdefault(tuple(row.cells), row.line_number)
        if first != row.line_number:
            rejects.append(Reject(row.line_number, row.raw_text, f"duplicate of line {first}"))
            continue
        extra = json.dumps({names[i]: row.cells[i] for i in extra_at}, ensure_ascii=False) if extra_at else None
        records.append(CsvRecord(row.line_number, row.cells, row.raw_text, extra))
    warnings = []
    if extra_at:
        warnings.append(f"{SCHEMA.source}: {len(extra_at)} undeclared column(s) kept in _extra: "
                        f"{', '.join(names[i] for i in extra_at)}")
    return CsvFile(names, dict(positions), [names[i] for i in extra_at], records, rejects, len(view.rows), warnings)


def parse(snapshot: Snapshot) -> ParseResult:
    """Typed rows of the export CSV or the shared view's JSON (told apart by content); same table either way.

    Bad records become rejects; a missing/renamed column, an empty file or an empty `rows` array is a SchemaError.
    """
    data = snapshot.read_bytes()
    if _is_view(data):
        source_file, parse_date = _read_view(data), parse_iso_date
    else:
        source_file, parse_date = read_csv(data, SCHEMA), parse_mdy_date
    table = Table(TABLE, COLUMNS)
    rejects = fill(source_file, table, _converter(source_file.positions, snapshot.snapshot_date, parse_date))
    return ParseResult(
        source=snapshot.source,
        primary=TABLE,
        tables={TABLE: table},
        rejects=rejects,
        input_rows=source_file.input_rows,
        warnings=source_file.warnings,
    )


def _is_view(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the export's header, or the view's columns, carry every required field (cheap)."""
    data = snapshot.read_bytes()
    if _is_view(data):
        view = airtable.read_view(data, SCHEMA.source)
        airtable.match_columns([column.name for column in view.columns], VIEW_COLUMNS, SCHEMA.source)
    else:
        check_header(data, SCHEMA)


RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS}
