"""Crunchbase News tech layoffs tracker: fetch the page or its data (I/O) and parse CSV export or HTML (pure)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Callable
from urllib.parse import urljoin

from ingestion.core import Column, Dataset, Origin, ParseResult, Reject, SchemaError, Snapshot, Table, pick_dataset
from ingestion.csvparse import CsvSchema, check_header, fill, read_csv
from ingestion.values import (
    UNCLEAR,
    labelled,
    LAYOFF_COUNTS,
    LAYOFF_DATES_FROM,
    plausible_date,
    plausible_number,
    parse_count,
    parse_mdy_date,
    parse_percent,
    parse_text_date,
    require_key,
    text_or_none,
)

ORIGIN = Origin(
    name="Crunchbase News",
    url="https://news.crunchbase.com/startups/tech-layoffs/",
    license="Crunchbase News editorial data; cite the tracker",
    citation="Crunchbase News, 'Tech Layoffs: US Companies With Job Cuts'",
)
CRUNCHBASE_TRACKER = Dataset(
    id="crunchbase_tracker",
    origin=ORIGIN,
    url="https://news.crunchbase.com/startups/tech-layoffs/",
    filename="tech-layoffs.html",
    offline_glob="crunchbase_tracker*",  # the .csv export or a saved .html page
    content_types=("text/html", "text/csv"),
    tables=("crunchbase_tracker__layoffs", "crunchbase_tracker__weekly_tallies"),
    date_column="reported_date",
)
DATASETS: tuple[Dataset, ...] = (CRUNCHBASE_TRACKER,)
EMBED_FILENAME = "tracker_embed.csv"
EMBED_CONTENT_TYPES = ("text/csv", "text/plain")

TABLE = "crunchbase_tracker__layoffs"
COLUMNS = [
    Column("company", "VARCHAR"),
    Column("num_layoffs_raw", "VARCHAR"),
    Column("num_layoffs", "BIGINT"),
    Column("num_layoffs_unclear", "BOOLEAN"),
    Column("pct_impacted_raw", "VARCHAR"),
    Column("pct_impacted", "DOUBLE"),
    Column("pct_impacted_unclear", "BOOLEAN"),
    Column("reported_date_raw", "VARCHAR"),
    Column("reported_date", "DATE"),
    Column("industry", "VARCHAR"),
    Column("hq", "VARCHAR"),
    Column("source", "VARCHAR"),
    Column("company_status", "VARCHAR"),
    Column("notes", "VARCHAR"),
    Column("table_title", "VARCHAR"),
    Column("_extra", "JSON"),
]
TALLIES_TABLE = "crunchbase_tracker__weekly_tallies"
TALLIES_COLUMNS = [
    Column("period_kind", "VARCHAR"),
    Column("period_label", "VARCHAR"),
    Column("period_start", "DATE"),
    Column("period_end", "DATE"),
    Column("qualifier", "VARCHAR"),
    Column("laid_off", "BIGINT"),
    Column("sentence", "VARCHAR"),
    Column("_extra", "JSON"),
]
SCHEMA = CsvSchema(
    source="crunchbase_tracker",
    required=(
        "Company", "Num_layoffs", "Pct_impacted", "Reported_date", "Industry", "HQ", "Source",
        "Company_status", "Notes",
    ),
)
_CELL_KEYS = ("company", "num_layoffs", "pct_impacted", "reported_date", "industry", "hq", "source",
              "company_status", "notes")  # HtmlRecord.cells keys, in SCHEMA order


def fetch(dataset: str | Dataset = CRUNCHBASE_TRACKER, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Fetch the tracker; returns the snapshot that holds the layoff table.

    Live mode fetches the page (text/html). When the page has no table rows of its own but the
    extractor reports an embedded data source, its data URL (`crunchbase_html.find_embed_data_url`,
    e.g. the CSV export of an embedded Google Sheet or Datawrapper table) is fetched too, stored as
    a second file `tracker_embed.csv` in the same dataset's snapshot folder, and that snapshot is
    returned: its parse yields the rows (the page's weekly tallies are then not part of this load;
    the page file stays in the store). Offline mode (`snapshot_dir`) returns the file found.
    """
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    page = fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)
    if snapshot_dir is not None or not _is_html(page, page.read_bytes()):
        return page
    from ingestion.sources import crunchbase_html

    html = _html_text(page.read_bytes())
    try:
        extracted = crunchbase_html.extract(html)
    except SchemaError:
        return page  # parse() raises the same error with the snapshot in hand
    data_url = crunchbase_html.find_embed_data_url(html) if extracted.embeds else None
    if extracted.records or data_url is None:
        return page
    embed_dataset = dataclasses.replace(chosen, content_types=EMBED_CONTENT_TYPES)
    return fetch_dataset(
        embed_dataset, store=store, client=client, url=urljoin(page.url, data_url), filename=EMBED_FILENAME,
    )



def _is_html(snapshot: Snapshot, data: bytes) -> bool:
    if snapshot.content_type and "html" in snapshot.content_type.lower():
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _html_text(data: bytes) -> str:
    """Page text; a stray undecodable byte becomes U+FFFD (the page is prose, not records)."""
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def _layoff_row(cells: list[str | None], title: str | None, parse_date: Callable[[str], date],
                snapshot_date: date) -> tuple:
    """One typed layoff row from the nine tracker cells (None = column absent on an HTML table)."""
    company, num_raw, pct_raw, date_raw, industry, hq, source, status, notes = cells
    company = require_key("company", company)
    num = UNCLEAR if num_raw is None else labelled("num_layoffs", parse_count, num_raw)
    plausible_number("num_layoffs", num.value, *LAYOFF_COUNTS)
    pct = UNCLEAR if pct_raw is None else labelled("pct_impacted", parse_percent, pct_raw)
    date_raw = require_key("reported_date", date_raw)
    reported = plausible_date("reported_date", labelled("reported_date", parse_date, date_raw), LAYOFF_DATES_FROM,
                              snapshot_date)
    return (
        company, num_raw, num.value, num.unclear, pct_raw, pct.value, pct.unclear, date_raw, reported,
        text_or_none(industry), text_or_none(hq), text_or_none(source), text_or_none(status),
        text_or_none(notes), title,
    )


def _parse_csv(snapshot: Snapshot, data: bytes) -> tuple[Table, Table, list[Reject], int, list[str]]:
    csv_file = read_csv(data, SCHEMA)
    positions = [csv_file.positions[name] for name in SCHEMA.required]
    snapshot_date = snapshot.snapshot_date

    def convert(fields: list[str]) -> tuple:
        return _layoff_row([fields[i] for i in positions], None, parse_mdy_date, snapshot_date)

    table = Table(TABLE, COLUMNS)
    rejects = fill(csv_file, table, convert)
    return table, Table(TALLIES_TABLE, TALLIES_COLUMNS), rejects, csv_file.input_rows, csv_file.warnings


def _parse_html(snapshot: Snapshot, data: bytes) -> tuple[Table, Table, list[Reject], int, list[str]]:
    from ingestion.sources import crunchbase_html  # bs4/lxml only when a page is parsed

    html = _html_text(data)
    page = crunchbase_html.extract(html)
    table = Table(TABLE, COLUMNS)
    rejects = [Reject(line, raw, reason) for line, raw, reason in page.problems]
    seen: dict[tuple, int] = {}
    snapshot_date = snapshot.snapshot_date
    for record in page.records:
        key = (record.table_title, tuple(sorted(record.cells.items())))
        first = seen.setdefault(key, record.line_number)
        if first != record.line_number:
            rejects.append(Reject(record.line_number, record.raw_text, f"duplicate of line {first}"))
            continue
        cells = [record.cells.get(name) for name in _CELL_KEYS]
        try:
            row = _layoff_row(cells, record.table_title, parse_text_date, snapshot_date)
        except ValueError as exc:
            rejects.append(Reject(record.line_number, record.raw_text, str(exc)))
            continue
        table.add(record.line_number, (*row, None))
    tallies = Table(TALLIES_TABLE, TALLIES_COLUMNS)
    for tally in page.tallies:
        tallies.add(tally.line_number, (tally.period_kind, tally.period_label, tally.period_start,
                                        tally.period_end, tally.qualifier, tally.laid_off, tally.sentence, None))
    rejects.sort(key=lambda reject: reject.line_number)
    warnings = []
    if page.embeds and not page.records:
        embedded = crunchbase_html.find_embed_data_url(html)
        warnings.append(f"crunchbase_tracker: page has no table rows; its table is embedded from {embedded}")
    # Every unreadable item the extractor reports is one input item that was rejected.
    return table, tallies, rejects, len(page.records) + len(page.problems), warnings


def parse(snapshot: Snapshot) -> ParseResult:
    """Typed layoff rows (+ weekly tallies for a page) from the CSV export or the tracker's HTML page."""
    data = snapshot.read_bytes()
    if _is_html(snapshot, data):
        table, tallies, rejects, input_rows, warnings = _parse_html(snapshot, data)
    else:
        table, tallies, rejects, input_rows, warnings = _parse_csv(snapshot, data)
    return ParseResult(
        source=snapshot.source,
        primary=TABLE,
        tables={TABLE: table, TALLIES_TABLE: tallies},
        rejects=rejects,
        input_rows=input_rows,
        warnings=warnings,
    )


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the CSV header is complete, or the page still holds a layoff table or tally."""
    data = snapshot.read_bytes()
    if _is_html(snapshot, data):
        _parse_html(snapshot, data)  # a page is small; its extractor raises SchemaError on a new layout
    else:
        check_header(data, SCHEMA)

RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS, TALLIES_TABLE: TALLIES_COLUMNS}
