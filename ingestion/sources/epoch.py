"""Epoch AI model lists (notable / all): fetch the CSVs (I/O); DuckDB loads their rows as text into `epoch__models`."""

from __future__ import annotations

from ingestion.core import Column, CsvSchema, Dataset, Origin, Snapshot, SnapshotRows, pick_dataset
from ingestion.csvhead import check_header, csv_rows, read_head

ORIGIN = Origin(
    name="Epoch AI",
    url="https://epoch.ai/data/ai-models",
    license="CC BY 4.0",
    citation="Epoch AI, 'Data on AI Models', epoch.ai",
)
EPOCH_NOTABLE = Dataset(
    id="epoch_notable",
    topics=("model_releases", "notable_models"),
    origin=ORIGIN,
    url="https://epoch.ai/data/notable_ai_models.csv",
    filename="notable_ai_models.csv",
    offline_glob="epoch_notable_ai_models_*.csv",
    content_types=("text/csv",),
    tables=("epoch__models",),
    date_column="publication_date",
    allowed_hosts=("epoch.ai",),
)
EPOCH_ALL = Dataset(
    id="epoch_all",
    topics=("model_releases",),
    origin=ORIGIN,
    url="https://epoch.ai/data/all_ai_models.csv",
    filename="all_ai_models.csv",
    offline_glob="epoch_all_ai_models_*.csv",
    content_types=("text/csv",),
    tables=("epoch__models",),
    date_column="publication_date",
    allowed_hosts=("epoch.ai",),
)
DATASETS: tuple[Dataset, ...] = (EPOCH_NOTABLE, EPOCH_ALL)

TABLE = "epoch__models"
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
COLUMNS = SCHEMA.raw_columns() + [Column("_extra", "JSON")]


def fetch(dataset: str | Dataset = EPOCH_NOTABLE, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    """Download (or pick up offline) one Epoch list as a stored snapshot."""
    from ingestion.fetching import fetch_dataset  # I/O lives there; imported lazily

    chosen = pick_dataset(DATASETS, dataset)
    return fetch_dataset(chosen, store=store, client=client, snapshot_dir=snapshot_dir, url=url)


def _schema(snapshot: Snapshot) -> CsvSchema:
    if snapshot.source not in {d.id for d in DATASETS}:
        raise ValueError(f"epoch: snapshot source {snapshot.source!r} is not an Epoch dataset")
    return CsvSchema(source=snapshot.source, required=SCHEMA.required, optional=SCHEMA.optional)


def read(snapshot: Snapshot) -> SnapshotRows:
    """One Epoch list's rows, read by DuckDB (staging tells the lists apart by `_source`)."""
    return csv_rows(snapshot.path, _schema(snapshot), TABLE)


def check_layout(snapshot: Snapshot) -> None:
    """SchemaError unless the file's header carries every required column (cheap, before loading)."""
    check_header(read_head(snapshot.path), _schema(snapshot))


RAW_TABLES: dict[str, list[Column]] = {TABLE: COLUMNS}
ORDER = 30  # place in listings (ingestion.sources)
