"""The Dagster code location: assets, checks, resources, job, schedule and the in-process executor."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets_analytics import published_warehouse, run_analytics_assets
from .assets_dbt import dbt_models
from .assets_ingestion import fetch_sources, load_raw_tables
from .checks import CHECKS
from .dbt_project import dbt_executable, dbt_project
from .resources import SourceFetcher, WarehouseResource
from .schedules import nightly_refresh, observe_sources_job, rebuild_what_changed, refresh_all

defs = dg.Definitions(
    assets=[fetch_sources, load_raw_tables, dbt_models, run_analytics_assets, published_warehouse],
    asset_checks=CHECKS,
    jobs=[observe_sources_job, refresh_all],
    schedules=[nightly_refresh],
    sensors=[rebuild_what_changed],
    resources={
        "warehouse": WarehouseResource(),
        "fetcher": SourceFetcher(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
    executor=dg.in_process_executor,
)
