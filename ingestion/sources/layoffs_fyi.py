"""layoffs.fyi tech layoffs tracker: fetch its table (I/O); its rows as text from the CSV export or the shared view."""

from __future__ import annotations

from ingestion import airtable, airtable_wire
from ingestion.core import Column, CsvSchema, Dataset, Origin, Snapshot, SnapshotRows, TextRecord, pick_dataset, raw_name
from ingestion.csvhead import check_header, csv_rows, read_head

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
    topics=("layoffs",),
    origin=ORIGIN,
    url=LIVE_URL,
    filename="layoffs_fyi_export.csv",
    offline_glob="layoffs_fyi_export_*.csv",
    # the start URL: a CSV export, or an HTML page (home page, embed page); decided by content
    content_types=("text/csv", "text/plain", "application/csv", "application/octet-stream", "text/html"),
    tables=("layoffs_fyi__layoffs",),
    date_column="date",
    allowed_hosts=("layoffs.fyi", "airtable.com"),  # the home page embeds the Airtable share (and subdomains)
)
DATASETS: tuple[Dataset, ...] = (LAYOFFS_FYI,)

TABLE = "layoffs_fyi__layoffs"
SCHEMA = CsvSchema(
    source="layoffs_fyi",
    required=(
        "company", "location", "total_laid_off", "date", "percentage_laid_off", "industry",
        "source", "stage", "funds_raised", "country", "date_added",
    ),
)
COLUMNS = SCHEMA.raw_columns() + [Column("_extra", "JSON")]
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


def _view_rows(snapshot: Snapshot, data: bytes) -> SnapshotRows:
    """The shared view's rows as text records, in the export's field names.

    A row's line number is its index in `rows` + 2 (the column header is line 1, as in the export); its
    raw text is the row's JSON. Undeclared view columns go to `_extra`; a row the extractor cannot read
    (e.g. an unknown choice id) is a reject.
    """
    view = airtable.read_view(data, SCHEMA.source)
    names = [column.name for column in view.columns]
    positions = airtable.match_columns(names, VIEW_COLUMNS, SCHEMA.source)
    extra = {names[i]: i for i in range(len(names)) if i not in positions.values()}
    records = [TextRecord(row.line_number, row.raw_text, None if row.problem else row.cells, row.problem)
               for row in view.rows]
    warnings = []
    if extra:
        warnings.append(f"{SCHEMA.source}: {len(extra)} undeclared column(s) kept in _extra: {', '.join(extra)}")
    return SnapshotRows(source=snapshot.source, table=TABLE, format="json",
                        columns={raw_name(name): at for name, at in positions.items()}, extra=extra,
                        width=len(names), records=records, warnings=warnings)


def read(snapshot: Snapshot) -> SnapshotRows:
    """Where the rows are: the export CSV (read by DuckDB) or the shared view's JSON (told apart by content).

    A missing/renamed column, an empty file or an empty `rows` array is a SchemaError.
    """
    if _is_view(read_head(snapshot.path)):
        return _view_rows(snapshot, snapshot.read_bytes())
    return csv_rows(snapshot.path, SCHEMA, TABLE, snapshot.source)


def _is_view(data: bytes) -> bool:
    """The shared view's data (JSON, or MessagePack as Airtable may answer) rather than the CSV export."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") or airtable_wire.is_msgpack(data)


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the export's header, or the view's columns, carry every required field (cheap)."""
    head = read_head(snapshot.path)
    if _is_view(head):
        view = airtable.read_view(snapshot.read_bytes(), SCHEMA.source)
        airtable.match_columns([column.name for column in view.columns], VIEW_COLUMNS, SCHEMA.source)
    else:
        check_header(head, SCHEMA)


RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS}
ORDER = 20  # place in listings (ingestion.sources)
