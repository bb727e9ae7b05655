"""Registry of every source module (discovered in this package) and the datasets (load units) each declares."""

from __future__ import annotations

import importlib
import pkgutil
from contextlib import contextmanager
from types import ModuleType

from ingestion.core import Dataset, SchemaError

# A source is a module of this package (ingestion/sources/<name>.py) declaring DATASETS and RAW_TABLES, optionally
# OPTIONAL_TABLES (raw tables that may stay empty) and ORDER (its place in listings; default 100, then by name).
# Source modules import only core/csvhead/airtable at import time: network code (ingestion.fetching) and HTML
# extraction are imported inside fetch()/read(). Adding a source: docs/adding-a-source.md.


def _discover() -> tuple[ModuleType, ...]:
    found = [importlib.import_module(f"{__name__}.{info.name}")
             for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    for module in found:
        missing = [name for name in ("DATASETS", "RAW_TABLES", "fetch", "read", "check_layout")
                   if not hasattr(module, name)]
        if missing:
            raise ValueError(f"source module {module.__name__} lacks {', '.join(missing)} (docs/adding-a-source.md)")
    return tuple(sorted(found, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)))


_MODULES: tuple[ModuleType, ...] = _discover()

DATASETS: dict[str, tuple[Dataset, ModuleType]] = {
    dataset.id: (dataset, module) for module in _MODULES for dataset in module.DATASETS
}


# raw table -> its columns as declared by the source module that loads it
RAW_TABLES: dict[str, list] = {name: columns for module in _MODULES for name, columns in module.RAW_TABLES.items()}

# raw tables that may legitimately stay empty (e.g. filled only from one of a source's formats)
OPTIONAL_TABLES: frozenset[str] = frozenset(t for module in _MODULES for t in getattr(module, "OPTIONAL_TABLES", ()))

# raw table -> the source module that declares it: the name of its dbt source and of its staging folder
# (dbt_project/models/staging/<module>/)
MODULE_OF_TABLE: dict[str, str] = {
    name: module.__name__.rsplit(".", 1)[-1] for module in _MODULES for name in module.RAW_TABLES}


def _check_declarations() -> None:
    ids = [dataset.id for module in _MODULES for dataset in module.DATASETS]
    tables = [name for module in _MODULES for name in module.RAW_TABLES]
    twice = sorted({x for x in ids + tables if (ids + tables).count(x) > 1})
    if twice:
        raise ValueError(f"declared by more than one source module: {', '.join(twice)}")
    for dataset, module in DATASETS.values():
        undeclared = [t for t in dataset.tables if t not in module.RAW_TABLES]
        if not dataset.tables or undeclared:
            raise ValueError(f"dataset {dataset.id!r} must name the raw tables it loads, declared in its module's "
                             f"RAW_TABLES (undeclared: {undeclared})")


_check_declarations()


def check_layout(dataset_id: str, snapshot) -> None:
    """SchemaError when a snapshot's layout changed (a cheap check: a CSV's header, a page's tables)."""
    _, module = get(dataset_id)
    with located(snapshot):
        module.check_layout(snapshot)


def read(dataset_id: str, snapshot):
    """Where the snapshot's rows are, for the loader (`SnapshotRows`); a SchemaError names the file by path,
    size and first bytes."""
    _, module = get(dataset_id)
    with located(snapshot):
        return module.read(snapshot)


@contextmanager
def located(snapshot):
    """Add where the refused file is (path, size, first 40 bytes escaped) to a SchemaError's one line."""
    try:
        yield
    except SchemaError as exc:
        from ingestion.fetching import describe_file

        raise SchemaError(f"{exc} in {describe_file(snapshot.path)}") from exc


def get(dataset_id: str) -> tuple[Dataset, ModuleType]:
    """(Dataset, source module) for a dataset id; KeyError naming the known ids otherwise."""
    try:
        return DATASETS[dataset_id]
    except KeyError:
        known = ", ".join(DATASETS)
        raise KeyError(f"unknown dataset {dataset_id!r} (known: {known})") from None
