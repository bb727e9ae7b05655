"""Which runs write the warehouse, and which leave their work staged for a publish that follows them."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

PUBLISHED = dg.AssetKey(["warehouse", "published"])
SOURCE_PREFIX = "snapshots"  # observed sources: fetched into the snapshot store, never into the warehouse


def _writers(selection: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    return [k for k in selection if k.path[0] != SOURCE_PREFIX and k != PUBLISHED]


def writes_warehouse(selection: Iterable[dg.AssetKey] | None) -> bool:
    """A whole-job run (no selection) or any selected raw, dbt, analytics or publish asset writes the warehouse."""
    return selection is None or bool(_writers(selection)) or PUBLISHED in selection


def awaits_publish(selection: Iterable[dg.AssetKey] | None) -> bool:
    """A selection that builds into the staging folder without publishing it (e.g. "Materialize" on one asset
    in the UI): when its run succeeds, the `publish_after_build` sensor publishes what it built."""
    if selection is None:
        return False
    selection = set(selection)
    return bool(_writers(selection)) and PUBLISHED not in selection
