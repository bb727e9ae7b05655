"""Epoch AI model lists (notable / all): fetch the CSVs (I/O) and parse them into `epoch__models` (pure)."""

from __future__ import annotations

from datetime import date

from ingestion.core import Column, Dataset, Origin, ParseResult, Snapshot, Table, pick_dataset
from ingestion.csvparse import CsvSchema, check_header, fill, read_csv
from ingestion.values import (
    labelled,
    plausible_date,
    parse_bool,
    parse_float,
    parse_iso_date,
    require_key,
    text_or_none,
)

ORIGIN = Origin(
    name="Epoch AI",
    url="https://epoch.ai/data/ai-models",
    license="CC BY 4.0",
    citation="Epoch AI, 'Data on AI Models', epoch.ai",
)
EPOCH_NOTABLE = Dataset(
    id="epoch_notable",
    origin=ORIGIN,
    url="https://epoch.ai/data/notable_ai_models.csv",
    filename="notable_ai_models.csv",
    offline_glob="epoch_notable_ai_models_*.csv",
    content_types=("text/csv",),
    tables=("epoch__models",),
    date_column="publication_date",
)
EPOCH_ALL = Dataset(
    id="epoch_all",
    origin=ORIGIN,
    url="https://epoch.ai/data/all_ai_models.csv",
    filename="all_ai_models.csv",
    offline_glob="epoch_all_ai_models_*.csv",
    content_types=("text/csv",),
    tables=("epoch__models",),
    date_column="publication_date",
)
DATASETS: tuple[Dataset, ...] = (EPOCH_NOTABLE, EPOCH_ALL)
EARLIEST = date(1940, 1, 1)  # the lists go back to the 1950s; anything earlier is a typo
_LIST_NAME = {"epoch_notable": "notable", "epoch_all": "all"}  # value of the `dataset` column

TABLE = "epoch__models"
COLUMNS = [
    Column("dataset", "VARCHAR"),
    Column("model", "VARCHAR"),
    Column("domain", "VARCHAR"),
    Column("organization", "VARCHAR"),
    Column("organization_categorization", "VARCHAR"),
    Column("country", "VARCHAR"),
    Column("publication_date_raw", "VARCHAR"),
    Column("publication_date", "DATE"),
    Column("parameters", "DOUBLE"),
    Column("training_compute_flop", "DOUBLE"),
    Column("model_accessibility", "VARCHAR"),
    Column("frontier_model", "BOOLEAN"),
    Column("notability_criteria", "VARCHAR"),
    Column("citations", "DOUBLE"),
    Column("link", "VARCHAR"),
    Column("_extra", "JSON"),
]
# The core shared by both lists is required; `Frontier model` exists only in the notable list.
# Every other column (authors, abstracts, notes, ...) is kept per row in `_extra`.
SCHEMA = CsvSchema(
    source="epoch",
    required=(
        "Model", "Domain", "Organization", "Organization categorization", "Country (from Organization)",
        "Publication date", "Parameters", "Training compute (FLOP)", "Model accessibility",
        "Notability criteria", "Citations", "Link",
    ),
    optional=("Frontier model",),
)


def fetch(dataset: str | Dataset = EPOCH_NOTABLE, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Download (or pick up offline) one Epoch list as a stored snapshot."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)



def _converter(list_name: str, positions: dict[str, int | None], snapshot_date: date):
    (model_at, domain_at, org_at, orgcat_at, country_at, date_at, params_at, compute_at,
     access_at, notability_at, citations_at, link_at) = (positions[name] for name in SCHEMA.required)
    frontier_at = positions["Frontier model"]

    def convert(fields: list[str]) -> tuple:
        model = require_key("model", fields[model_at])
        date_raw = fields[date_at]
        published = None
        if date_raw.strip():  # a handful of models have no date yet: kept with a NULL date
            published = plausible_date(
                "publication_date", labelled("publication_date", parse_iso_date, date_raw), EARLIEST, snapshot_date
            )
        frontier = None
        if frontier_at is not None:
            frontier = labelled("frontier_model", lambda s: parse_bool(s, blank=False), fields[frontier_at])
        return (
            list_name,
            model,
            text_or_none(fields[domain_at]),
            text_or_none(fields[org_at]),
            text_or_none(fields[orgcat_at]),
            text_or_none(fields[country_at]),
            date_raw,
            published,
            labelled("parameters", parse_float, fields[params_at]),
            labelled("training_compute_flop", parse_float, fields[compute_at]),
            text_or_none(fields[access_at]),
            frontier,
            text_or_none(fields[notability_at]),
            labelled("citations", parse_float, fields[citations_at]),
            text_or_none(fields[link_at]),
        )

    return convert


def parse(snapshot: Snapshot) -> ParseResult:
    """Typed rows of one Epoch list (`dataset` = notable|all from the snapshot's dataset id)."""
    list_name = _LIST_NAME.get(snapshot.source)
    if list_name is None:
        raise ValueError(f"epoch: snapshot source {snapshot.source!r} is not an Epoch dataset")
    schema = CsvSchema(source=snapshot.source, required=SCHEMA.required, optional=SCHEMA.optional)
    csv_file = read_csv(snapshot.read_bytes(), schema)
    table = Table(TABLE, COLUMNS)
    rejects = fill(csv_file, table, _converter(list_name, csv_file.positions, snapshot.snapshot_date))
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
