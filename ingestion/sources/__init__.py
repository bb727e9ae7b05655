"""Registry of every dataset (load unit) and the source module that fetches and parses it."""

from __future__ import annotations

from types import ModuleType

from ingestion.core import Dataset

# Source modules import only core/values/csvparse at import time: network code
# (ingestion.fetching) and HTML extraction are imported inside fetch()/parse().
from ingestion.sources import crunchbase_tracker, epoch, indeed, layoffs_fyi

_MODULES: tuple[ModuleType, ...] = (crunchbase_tracker, layoffs_fyi, epoch, indeed)

DATASETS: dict[str, tuple[Dataset, ModuleType]] = {
    dataset.id: (dataset, module) for module in _MODULES for dataset in module.DATASETS
}


def get(dataset_id: str) -> tuple[Dataset, ModuleType]:
    """(Dataset, source module) for a dataset id; KeyError naming the known ids otherwise."""
    try:
        return DATASETS[dataset_id]
    except KeyError:
        known = ", ".join(DATASETS)
        raise KeyError(f"unknown dataset {dataset_id!r} (known: {known})") from None
