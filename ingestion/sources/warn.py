"""US WARN Act notices, one dataset per state (warn-scraper's export shapes): fetch the CSV; its rows into `warn__notices`."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.core import Column, CsvSchema, Dataset, FetchError, Origin, Snapshot, SnapshotRows, pick_dataset
from ingestion.csvhead import check_header, read_head

# Every state loads one raw table: its header columns are mapped onto these canonical text columns (a state without
# one loads NULL there); every other column of its file is kept per row in `_extra`. Typing, for all states at once:
# dbt_project/macros/typing/stg_warn__notices__typed.sql.
TABLE = "warn__notices"
RAW_COLUMNS = (
    "company",  # the employer as filed
    "location",  # site or city
    "notice_date",  # when the state received the notice
    "effective_date",  # when the layoff or closure starts
    "workers",  # workers affected
    "closure",  # 'Layoff' | 'Closure' (states with a column of their own)
    "duration",  # 'Permanent' | 'Temporary' (states with a column of their own)
    "layoff_type",  # one label saying both (Oregon: 'Permanent closure', 'Temporary Layoff', 'Reduction', ...)
    "notice_id",  # the state's notice number, when it gives one (text: leading zeros matter)
)


@dataclass(frozen=True)
class WarnState:
    """One state's WARN notices as warn-scraper exports them: where they are published and its CSV header."""

    code: str  # two letters, lower case: the dataset is `warn_<code>`, the offline file `warn_<code>_export_*.csv`
    name: str  # the state's name
    agency: str
    page: str  # the agency's public WARN page (provenance)
    url: str  # the documented data URL warn-scraper reads
    hosts: tuple[str, ...]  # hosts that data comes from
    columns: dict[str, str]  # canonical raw column -> the state's header name (case and outer spaces ignored)

    @property
    def dataset_id(self) -> str:
        return f"warn_{self.code}"


# Adding a state is one entry here (warn-scraper's module name as `code`, its hosts, the header its CSV has), plus its
# offline file and a test fixture. Live, a state is fetched by warn-scraper's own scraper (its requests held to the
# outbound policy by a proxy); LAYOFFS_AI_URL_WARN_<ST> instead names a CSV the project's client fetches.
STATES: dict[str, WarnState] = {s.code: s for s in (
    WarnState(
        code="wa", name="Washington", agency="Washington State Employment Security Department",
        page="https://esd.wa.gov/about-employees/WARN",
        url="https://fortress.wa.gov/esd/file/warn/Public/SearchWARN.aspx", hosts=("fortress.wa.gov",),
        columns={"company": "Company", "location": "Location", "notice_date": "Received Date",
                 "effective_date": "Layoff Start Date", "workers": "# of Workers", "closure": "Closure Layoff",
                 "duration": "Type of Layoff"}),
    WarnState(
        code="or", name="Oregon", agency="Oregon Higher Education Coordinating Commission (WorkSource Oregon)",
        page="https://ccwd.hecc.oregon.gov/Layoff/WARN",
        url="https://ccwd.hecc.oregon.gov/Layoff/WARN/Download",
        hosts=("ccwd.hecc.oregon.gov", "storage.googleapis.com"),
        columns={"company": "Company Name", "location": "Location", "notice_date": "Received Date",
                 "effective_date": "Layoff Date", "workers": "Laid Off", "layoff_type": "Layoff Type",
                 "notice_id": "WARN#"}),
    WarnState(
        code="ny", name="New York", agency="New York State Department of Labor",
        page="https://dol.ny.gov/warn-dashboard",
        # the Tableau Public view warn-scraper's `ny` scraper downloads (a CSV)
        url="https://public.tableau.com/views/WorkerAdjustmentRetrainingNotificationWARN/WARN.csv"
            "?%3Adisplay_static_image=y&%3AbootstrapWhenNotified=true&%3Aembed=true&%3Alanguage=en-US"
            "&:embed=y&:showVizHome=n&:apiID=host0",
        hosts=("public.tableau.com",),
        columns={"company": "Business Legal Name", "location": "Impacted Site Address",
                 "notice_date": "Date of WARN Notice", "effective_date": "Date Layoff/Closure Starts",
                 "workers": "Number of Affected Workers", "closure": "Layoff or Closure?",
                 "duration": "Permanent or Temporary Layoff?"}),
)}


# warn-scraper scrapers whose requests the policy proxy cannot hold (checked in 1.2.143): such a state is declared
# with its documented CSV URL and fetched with LAYOFFS_AI_URL_WARN_<ST> by the project's own client, never scraped.
CANNOT_OBEY = {
    "va": "it drives Chrome through Selenium (its own network stack; chromedriver downloaded at run time)",
    "tx": "Zyte's servers make its requests (api.zyte.com with ZYTE_API_KEY)",
    "la": "Zyte's servers make its requests (api.zyte.com with ZYTE_API_KEY)",
    "fl": "it turns certificate checks off (verify=False)",
    "sc": "it turns certificate checks off (verify=False)",
}


def _dataset(state: WarnState) -> Dataset:
    return Dataset(
        id=state.dataset_id,
        topics=("warn_notices",),  # no chart uses them yet: "layoffs" would credit them on the tracker charts
        origin=Origin(
            name=f"{state.agency} WARN notices",
            url=state.page,
            license=f"public records of the State of {state.name}; cite the state agency and "
                    "Big Local News (warn-scraper)",
            citation=f"{state.agency}, WARN Act notices, collected with Big Local News' warn-scraper",
        ),
        url=state.url,
        filename=f"warn_{state.code}.csv",
        offline_glob=f"warn_{state.code}_export_*.csv",
        content_types=("text/csv", "text/plain", "application/csv", "application/octet-stream"),
        tables=(TABLE,),
        date_column="notice_date",
        allowed_hosts=state.hosts,
    )


DATASETS: tuple[Dataset, ...] = tuple(_dataset(state) for state in STATES.values())
RAW_TABLES: dict[str, list[Column]] = {TABLE: [Column(name, "VARCHAR") for name in RAW_COLUMNS]
                                       + [Column("_extra", "JSON")]}
ORDER = 50  # place in listings (ingestion.sources)


def state_of(dataset_id: str) -> WarnState:
    """The state a `warn_<code>` dataset id stands for (ValueError naming the declared ones otherwise)."""
    state = STATES.get(dataset_id.removeprefix("warn_")) if dataset_id.startswith("warn_") else None
    if state is None:
        raise ValueError(f"warn: {dataset_id!r} is not a WARN dataset (declared: "
                         f"{', '.join(s.dataset_id for s in STATES.values())})")
    return state


def schema(state: WarnState) -> CsvSchema:
    """The state's header, as the columns a file must carry."""
    return CsvSchema(source=state.dataset_id, required=tuple(state.columns.values()))


def fetch(dataset: str | Dataset = DATASETS[0], *, store, client=None, snapshot_dir=None, url=None,
          upstream=None, ca_bundle=None) -> Snapshot:
    """Snapshot one state's notices: offline its `warn_<st>_export_*.csv`; live a CSV at `url`
    (LAYOFFS_AI_URL_WARN_<ST>) with the project's HTTP client, or else warn-scraper's own scraper for the state in
    a child process behind the outbound policy (ingestion/warn_scrape.py). A scraper that fails, is refused, or
    outlives the deadline is a FetchError: the state is stale or missing, like any source. `upstream` and
    `ca_bundle`: tests only (a local TLS server standing in for the state's host)."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    state = state_of(chosen.id)
    if snapshot_dir is not None or url is not None:
        return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)
    if state.code in CANNOT_OBEY:
        raise FetchError(f"{chosen.id}: warn-scraper's {state.code} scraper is not run: {CANNOT_OBEY[state.code]}, "
                         f"so the outbound policy cannot hold it; set LAYOFFS_AI_URL_WARN_{state.code.upper()} "
                         "to the state's CSV export")
    from ingestion.warn_scrape import scrape

    return scrape(chosen, state.code, store=store, client=client, upstream=upstream, ca_bundle=ca_bundle)


def read(snapshot: Snapshot) -> SnapshotRows:
    """One state's rows, read by DuckDB into `warn__notices`: each canonical column from its header position."""
    state = state_of(snapshot.source)
    header = check_header(read_head(snapshot.path), schema(state))
    columns = {name: header.positions[state.columns[name]] if name in state.columns else None for name in RAW_COLUMNS}
    warnings = []
    if header.extra:
        warnings.append(f"{state.dataset_id}: {len(header.extra)} undeclared column(s) kept in _extra: "
                        f"{', '.join(header.extra)}")
    return SnapshotRows(source=snapshot.source, table=TABLE, format="csv", columns=columns, extra=header.extra,
                        width=len(header.names), path=snapshot.path, header_line=header.line, warnings=warnings)


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError naming the missing column unless the file's header carries every column its state declares."""
    check_header(read_head(snapshot.path), schema(state_of(snapshot.source)))
