"""The dbt component of this project: dagster-dbt's DbtProjectComponent, building into the run's working copy."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, DbtProjectComponent
from dagster_dbt.asset_utils import build_dbt_specs
from dagster_dbt.components.dbt_component_utils import _set_resolution_context
from dagster_dbt.dagster_dbt_translator import validate_translator
from dagster_dbt.dbt_manifest import validate_manifest

from orchestration.asset_metadata import table_metadata
from orchestration.components.dbt_freshness import CHECK, freshness_check_specs, freshness_targets, run_freshness
from orchestration.components.dbt_reuse import ParseState, dbt_cli
from orchestration.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
KEEP_DBT_TARGETS = 5  # run_results.json etc. of the last runs, under $LAYOFFS_AI_HOME/dbt_target
OWNER = "team:layoffs-ai"


def _macro_digest(manifest: Mapping[str, Any], macros: list[str]) -> str:
    """A hash of the project's own macros a node uses, so that editing a parse macro makes its models stale."""
    digest = hashlib.sha256()
    for name in sorted(m for m in macros if m.startswith("macro.layoffs_ai.")):
        digest.update(manifest["macros"][name].get("macro_sql", "").encode())
    return digest.hexdigest()[:12]


def _manifest_digest(manifest: Path) -> str:
    return hashlib.sha256(manifest.read_bytes()).hexdigest()


def pipeline_vars(work: Path, settings: Settings) -> str:
    """`--vars` of the profile's `pipeline` target: the working copy to build into, dbt's threads, DuckDB's memory."""
    return json.dumps({"warehouse_path": str(work), "threads": settings.dbt_threads,
                       "memory_limit": settings.duckdb_memory_limit})


def _relation(event) -> list[str]:
    """[schema, name] of the model an event materializes (output names are the asset key joined by '__')."""
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key.path
    if isinstance(event, dg.Output):
        return event.output_name.split("__", 1)
    return []


def _with_catalog(con, event):
    """A model's materialization plus its table name, column schema and (for tables) row count."""
    relation = _relation(event)
    if len(relation) != 2:
        return event
    schema, name = relation
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]).fetchone()
    if kind is None:
        return event
    extra = table_metadata(con, schema, name, preview_rows=0 if kind[0] == "VIEW" else 5,
                           row_count=kind[0] != "VIEW")
    return event.with_metadata({**event.metadata, **extra})


class LayoffsDbtComponent(DbtProjectComponent):
    """`dbt build` of the selected models and tests against this run's working copy of the warehouse.

    Keys: a dbt source is the `raw/<table>` asset that loads it; a model is `<schema>/<model>`; its group
    is its models/ folder. The profile's `pipeline` target reads the working copy's path from `--vars`,
    so no environment variable is set or changed.
    """

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        schema = props.get("config", {}).get("schema") or props.get("schema")
        fqn = props.get("fqn", [])
        code = f"{spec.code_version}-{_macro_digest(manifest, props.get('depends_on', {}).get('macros', []))}"
        return spec.replace_attributes(key=dg.AssetKey([schema, props["name"]]), owners=[OWNER],
                                       group_name=fqn[1] if props["resource_type"] == "model" else "raw", code_version=code)

    def write_state_to_path(self, state_path: Path) -> None:
        """`dg utils refresh-defs-state` (and `dg dev` on start): parse the project in place, writing the manifest
        into dbt_project/target/ (the project is used where it is, not copied)."""
        project = self.dbt_project
        dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path, raise_on_error=True).wait()
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(_manifest_digest(project.manifest_path))

    def build_defs_from_state(self, context: dg.ComponentLoadContext, state_path: Path | None) -> dg.Definitions:
        """As DbtProjectComponent's, plus the `warehouse` resource the build needs (its working copy)."""
        project = self._project_manager.get_project(state_path)
        asset_specs, check_specs = build_dbt_specs(
            translator=validate_translator(self.translator), manifest=validate_manifest(project.manifest_path),
            select=self.select, exclude=self.exclude, selector=self.selector, project=project,
            io_manager_key=None)
        op_spec = self._get_op_spec(project)
        resolution = context.resolution_context
        manifest = validate_manifest(project.manifest_path)
        self._freshness = freshness_targets(manifest, lambda uid: self.get_asset_spec(manifest, uid, project).key)
        check_specs = [*check_specs, *freshness_check_specs(self._freshness)]

        @dg.multi_asset(specs=asset_specs, check_specs=check_specs, can_subset=True, name="dbt_models",
                        op_tags=op_spec.tags, required_resource_keys={"warehouse"},
                        description="dbt build (models and their tests) into the run's working copy.")
        def dbt_models(context):
            with _set_resolution_context(resolution):
                yield from self.execute(context=context, dbt=dbt_cli(project))

        return dg.Definitions(assets=[dbt_models])

    def execute(self, context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
        warehouse = context.resources.warehouse
        settings = warehouse.settings
        state = ParseState(settings.home)
        targets = settings.home / "dbt_target"
        dbt_vars = pipeline_vars(state.point_at(warehouse.work_copy(context.run.run_id)), settings)
        wanted = {key: sources for key, sources in self._freshness.items()
                  if dg.AssetCheckKey(key, CHECK) in context.selected_asset_check_keys}
        fresh_target, build_target = targets / f"{context.run.run_id[:8]}-freshness", targets / context.run.run_id[:8]
        if wanted:
            with state.reusing(fresh_target):
                yield from run_freshness(dbt, dbt_vars, fresh_target, wanted)
        with state.reusing(build_target):
            # dbt unit tests check the SQL logic on fixed inputs, not the night's data: `make test` runs them
            # (tests/test_dbt_build.py); a night only builds the models and runs their data tests.
            invocation = dbt.cli(["build", "--target", "pipeline", "--vars", dbt_vars,
                                  "--exclude-resource-type", "unit_test"], context=context, target_path=build_target)
            # dagster-dbt's fetch_row_counts()/fetch_column_metadata() query while dbt still holds the DuckDB file
            # (one writer per file): collect the events, and read the catalog metadata once dbt has finished.
            events = list(invocation.stream())
            if not (build_target / "run_results.json").exists():  # dbt ended without finishing (killed)
                raise RuntimeError(f"dbt build ended without writing run_results.json (exit code "
                                   f"{invocation.process.returncode}): it was stopped before it finished")
            with warehouse.connect(context.run.run_id) as con:
                yield from (_with_catalog(con, event) for event in events)
        for old in sorted(targets.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEEP_DBT_TARGETS]:
            shutil.rmtree(old, ignore_errors=True)
