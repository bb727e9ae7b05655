"""What a refresh must rebuild: assets Dagster reports stale or missing (data or code version changed), assets
whose latest materialization was never published (its run failed before write-audit-publish finished), and
everything downstream of them, since their inputs are about to change."""

from __future__ import annotations

from typing import Iterable

import dagster as dg


def stale_roots(asset_graph, instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]) -> set[dg.AssetKey]:
    """Keys whose own data version provenance or code version no longer matches, or never materialized.

    This is the resolver behind Dagster's `RunRequest(stale_assets_only=True)` and the UI's stale badges
    (a Dagster-internal class: there is no public function for it in 1.13)."""
    from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
    from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
    from dagster._time import get_current_datetime

    view = AssetGraphView(temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
                          instance=instance, asset_graph=asset_graph)
    resolver = CachingStaleStatusResolver(instance, asset_graph, view)
    return {k for k in keys if resolver.get_status(k) in (StaleStatus.STALE, StaleStatus.MISSING)}


def unpublished(instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey], published_runs: set[str]) -> set:
    """Keys whose latest materialization came from a run that never published: not in effect."""
    out = set()
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        if event is not None and event.run_id not in published_runs:
            out.add(key)
    return out


def keys_to_refresh(asset_graph, instance: dg.DagsterInstance, candidates: Iterable[dg.AssetKey],
                    published_runs: set[str]) -> list[dg.AssetKey]:
    """Stale, missing or unpublished candidates and their downstream candidates, in the graph's order."""
    candidates = list(candidates)
    roots = stale_roots(asset_graph, instance, candidates) | unpublished(instance, candidates, published_runs)
    if not roots:
        return []
    wanted = set(candidates)
    closure = dg.AssetSelection.assets(*roots).downstream().resolve(asset_graph)
    return [k for k in candidates if k in closure and k in wanted]
