"""Crunchbase News tech layoffs tracker: fetch the page or its data (I/O); its rows as text from the CSV export or the HTML page."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Callable
from urllib.parse import urljoin

from ingestion.core import (
    Column, CsvSchema, Dataset, Origin, SchemaError, Snapshot, SnapshotRows, TextRecord, TextTable, pick_dataset,
)
from ingestion.csvhead import check_header, csv_rows, read_head

ORIGIN = Origin(
    name="Crunchbase News",
    url="https://news.crunchbase.com/startups/tech-layoffs/",
    license="Crunchbase News editorial data; cite the tracker",
    citation="Crunchbase News, 'Tech Layoffs: US Companies With Job Cuts'",
)
CRUNCHBASE_TRACKER = Dataset(
    id="crunchbase_tracker",
    topics=("layoffs",),
    origin=ORIGIN,
    url="https://news.crunchbase.com/startups/tech-layoffs/",
    filename="tech-layoffs.html",
    offline_glob="crunchbase_tracker*",  # the .csv export or a saved .html page
    content_types=("text/html", "text/csv"),
    tables=("crunchbase_tracker__layoffs", "crunchbase_tracker__weekly_tallies"),
    date_column="reported_date",
    # the page, and the data embeds crunchbase_html recognises (Google Sheets CSV exports redirect to
    # googleusercontent.com)
    allowed_hosts=("crunchbase.com", "docs.google.com", "googleusercontent.com", "dwcdn.net", "datawrapper.de",
                   "airtable.com", "flo.uri.sh", "flourish.studio", "infogram.com"),
)
DATASETS: tuple[Dataset, ...] = (CRUNCHBASE_TRACKER,)
EMBED_FILENAME = "tracker_embed.csv"
EMBED_CONTENT_TYPES = ("text/csv", "text/plain")

TABLE = "crunchbase_tracker__layoffs"
SCHEMA = CsvSchema(
    source="crunchbase_tracker",
    required=(
        "Company", "Num_layoffs", "Pct_impacted", "Reported_date", "Industry", "HQ", "Source",
        "Company_status", "Notes",
    ),
)
# the CSV columns, then the heading of the HTML table a row came from (NULL for CSV exports)
COLUMNS = SCHEMA.raw_columns() + [Column("table_title", "VARCHAR"), Column("_extra", "JSON")]
TALLIES_TABLE = "crunchbase_tracker__weekly_tallies"
TALLY_COLUMNS = ["period_kind", "period_label", "period_start", "period_end", "qualifier", "laid_off", "sentence"]
TALLIES_COLUMNS = [Column(name, "VARCHAR") for name in TALLY_COLUMNS] + [Column("_extra", "JSON")]


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
    from ingestion import crunchbase_html

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
        via=page.url,  # a URL the page supplied: checked by the outbound policy (ingestion/outbound.py)
    )


def _is_html(snapshot: Snapshot, data: bytes) -> bool:
    if snapshot.content_type and "html" in snapshot.content_type.lower():
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _html_text(data: bytes) -> str:
    """Page text; a stray undecodable byte becomes U+FFFD (the page is prose, not records)."""
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def _page_rows(snapshot: Snapshot, data: bytes) -> SnapshotRows:
    """The page's layoff-table rows and tally sentences as text; the extractor's unreadable items are rejects."""
    from ingestion import crunchbase_html  # bs4/lxml only when a page is read

    html = _html_text(data)
    page = crunchbase_html.extract(html)
    keys = list(crunchbase_html.CANONICAL_KEYS)
    records = [TextRecord(r.line_number, r.raw_text, [r.cells.get(k) for k in keys] + [r.table_title])
               for r in page.records]
    records += [TextRecord(line, raw, None, reason) for line, raw, reason in page.problems]
    tallies = TextTable(TALLIES_TABLE, TALLY_COLUMNS, [
        (t.line_number, t.sentence, (t.period_kind, t.period_label, t.period_start.isoformat(),
                                     t.period_end.isoformat(), t.qualifier, str(t.laid_off), t.sentence))
        for t in page.tallies])
    warnings = []
    if page.embeds and not page.records:
        embedded = crunchbase_html.find_embed_data_url(html)
        warnings.append(f"crunchbase_tracker: page has no table rows; its table is embedded from {embedded}")
    return SnapshotRows(
        source=snapshot.source, table=TABLE, format="html",
        columns={name: i for i, name in enumerate(keys + ["table_title"])}, extra={}, width=len(keys) + 1,
        records=sorted(records, key=lambda r: r.line_number), side_tables=[tallies], warnings=warnings)


def read(snapshot: Snapshot) -> SnapshotRows:
    """Where the rows are: the CSV export (read by DuckDB), or the tracker page's tables and tallies as text."""
    if _is_html(snapshot, read_head(snapshot.path)):
        return _page_rows(snapshot, snapshot.read_bytes())
    rows = csv_rows(snapshot.path, SCHEMA, TABLE, snapshot.source)
    rows.columns["table_title"] = None
    return rows


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the CSV header is complete, or the page still holds a layoff table or tally."""
    head = read_head(snapshot.path)
    if _is_html(snapshot, head):
        _page_rows(snapshot, snapshot.read_bytes())  # a page is small; its extractor raises SchemaError on a new layout
    else:
        check_header(head, SCHEMA)


RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS, TALLIES_TABLE: TALLIES_COLUMNS}

# filled only when the tracker is read from its HTML page (the CSV export has no tallies)
OPTIONAL_TABLES = frozenset({TALLIES_TABLE})
ORDER = 10  # place in listings (ingestion.sources)
