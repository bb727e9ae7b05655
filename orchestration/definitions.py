"""The Dagster code location: everything under orchestration/defs/ (dg's layout), its resources built from
one Settings object, and the in-process executor."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg

from .defs.ingestion import TABLES_BY_DATASET, snapshot_key
from .launch_rules import PUBLISHED
from .publish_asset import published_asset
from .resources import SourceFetcher, WarehouseResource
from .settings import Settings


def _watched(settings: Settings) -> tuple[dg.FreshnessPolicy, dg.AssetSelection, list]:
    """Freshness: the published warehouse and every source are stale after LAYOFFS_AI_STALE_AFTER_HOURS.

    The published warehouse gets a freshness policy. A source is observed, and Dagster's freshness policies
    only look at materializations, so each source also gets a last-update freshness check (its observations
    carry `dagster/last_updated_timestamp`: the last successful fetch), evaluated by every observation.
    """
    window = timedelta(hours=settings.stale_after_hours)
    sources = [snapshot_key(d) for d in TABLES_BY_DATASET if d in settings.datasets]  # LAYOFFS_AI_WARN_STATES
    with warnings.catch_warnings():  # superseded by FreshnessPolicy, which ignores observations: still needed
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        checks = dg.build_last_update_freshness_checks(assets=sources, lower_bound_delta=window)
    return dg.FreshnessPolicy.time_window(fail_window=window), dg.AssetSelection.assets(PUBLISHED, *sources), checks


def build(settings: Settings | None = None) -> dg.Definitions:
    """The definitions with resources built from `settings` (read from the environment when not given)."""
    settings = settings or Settings.from_env()
    resources = {"settings": settings, "warehouse": WarehouseResource(settings=settings),
                 "fetcher": SourceFetcher(settings=settings)}
    policy, watched, freshness_checks = _watched(settings)
    folder = dg.Definitions.merge(dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
                                  dg.Definitions(resources=resources))
    writers = sorted(folder.resolve_asset_graph().materializable_asset_keys)  # everything in defs/ writes
    defs = dg.Definitions.merge(
        folder,
        dg.Definitions(assets=[published_asset(writers)], asset_checks=freshness_checks,
                       executor=dg.in_process_executor),  # one process per run, not per step
    )
    return defs.map_resolved_asset_specs(func=lambda spec: dg.apply_freshness_policy(spec, policy), selection=watched)


@dg.definitions
def defs() -> dg.Definitions:
    """What `dg dev`, `dg check defs` and the code server load."""
    return build()
