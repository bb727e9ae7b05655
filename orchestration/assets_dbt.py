"""dbt models as Dagster assets (dagster-dbt): sources map to the raw-table assets, groups follow dbt folders."""


import os
import shutil
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from .dbt_project import dbt_project, ensure_manifest
from .resources import WarehouseResource


KEEP_DBT_TARGETS = 5


class LayoffsDbtTranslator(DagsterDbtTranslator):
    """Keys `raw/<table>` for sources (the ingestion assets) and `<schema>/<model>` for models."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=LayoffsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build` (models + tests) against the run's working copy of the warehouse."""
    work = warehouse.work_copy(context.run.run_id)
    targets = warehouse.settings().home / "dbt_target"  # run_results.json etc. of the last runs
    with _env(LAYOFFS_AI_DBT_PATH=str(work)):
        yield from dbt.cli(["build"], context=context, target_path=targets / context.run.run_id[:8]).stream()
    for old in sorted(targets.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEEP_DBT_TARGETS]:
        shutil.rmtree(old, ignore_errors=True)
