"""Which launches are safe: a run that writes the warehouse must end by publishing it, or it is refused."""

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


def selection_problem(selection: Iterable[dg.AssetKey] | None) -> str | None:
    """Why this asset selection must not run (None when it may): its work could never be published."""
    if selection is None:
        return None
    selection = set(selection)
    writers = _writers(selection)
    if writers and PUBLISHED not in selection:
        shown = ", ".join(k.to_user_string() for k in sorted(writers, key=lambda k: k.to_user_string())[:4])
        more = f" and {len(writers) - 4} more" if len(writers) > 4 else ""
        return (f"this selection ({shown}{more}) builds into a working copy of the warehouse but does not "
                "include warehouse/published, so its result could never be published. Select "
                "warehouse/published too (e.g. shift-click it in the asset graph, or the selection "
                f"'key:\"{writers[0].to_user_string()}\"+' for it and everything downstream), or use "
                "\"Materialize all\"")
    return None
