"""The dbt component of this project: dagster-dbt's DbtProjectComponent, building into the staging copy."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, DbtProjectComponent, dbt_assets

from orchestration.components.dbt_reuse import ParseState, dbt_cli, interrupts_kept
from orchestration.components.dbt_tests import test_description
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
    """`--vars` of the profile's `pipeline` target: the staging copy to build into, dbt's threads, DuckDB's memory."""
    return json.dumps({"warehouse_path": str(work), "threads": settings.dbt_threads,
                       "memory_limit": settings.duckdb_memory_limit})


def _relation(event) -> tuple[str, str] | None:
    """(schema, name) of the model an event materializes (output names are the asset key joined by '__')."""
    if isinstance(event, dg.AssetMaterialization):
        path = event.asset_key.path
    elif isinstance(event, dg.Output):
        path = event.output_name.split("__", 1)
    else:
        return None
    return (path[0], path[1]) if len(path) == 2 else None


def catalog(con, relations: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Table name, column schema and row count of the built relations after dbt has finished: three queries in
    all (columns, tables, one UNION ALL of counts), not several per model. No preview rows: rendering a
    markdown preview of every model was most of the old per-model pass's cost."""
    if not relations:
        return {}
    schemas = sorted({schema for schema, _ in relations})
    columns: dict[tuple[str, str], list] = {}
    for schema, table, name, kind, comment in con.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND list_contains(?, schema_name) "
            "ORDER BY schema_name, table_name, column_index", [schemas]).fetchall():
        columns.setdefault((schema, table), []).append(dg.TableColumn(name, kind, description=comment or None))
    counted = sorted(relations & {(s, t) for s, t in con.execute(  # tables only: counting a view runs it
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND list_contains(?, schema_name)", [schemas]).fetchall()})
    rows = {}
    if counted:
        union = " UNION ALL ".join(f"SELECT ?, ?, count(*) FROM \"{s}\".\"{t}\"" for s, t in counted)
        rows = {(s, t): n for s, t, n in con.execute(union, [x for r in counted for x in r]).fetchall()}
    return {(schema, name): {
        "dagster/table_name": table_name(schema, name),
        "dagster/column_schema": dg.TableSchema(columns=columns.get((schema, name), [])),
        **({"dagster/row_count": rows[(schema, name)]} if (schema, name) in rows else {}),
    } for schema, name in relations}


def table_name(schema: str, name: str) -> str:
    """A table as the published warehouse names it: `<LAYOFFS_AI_HOME>/warehouse.duckdb` opens as catalog
    `warehouse` (`layoffs-ai sql "SELECT ... FROM warehouse.marts.layoffs_monthly"`)."""
    return f"warehouse.{schema}.{name}"


def _stop(invocation) -> None:
    """Stop a dbt that was just started, as dagster-dbt does on an interrupt (SIGINT, then wait for it)."""
    invocation.process.send_signal(signal.SIGINT)
    invocation.process.wait(timeout=invocation.termination_timeout_seconds)


class LayoffsDbtComponent(DbtProjectComponent):
    """`dbt build` of the selected models and tests against the home's staging copy of the warehouse.

    Keys: a dbt source is the `raw/<table>` asset that loads it; a model is `<schema>/<model>`; its group
    is its models/ folder. The profile's `pipeline` target reads the staging copy's path from `--vars`,
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
        metadata = {**spec.metadata, "dagster/table_name": table_name(schema, props.get("alias") or props["name"])}
        return spec.replace_attributes(key=dg.AssetKey([schema, props["name"]]), owners=[OWNER], metadata=metadata,
                                       group_name=fqn[1] if props["resource_type"] == "model" else "raw", code_version=code)

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> dg.AssetCheckSpec | None:
        """A check for each dbt data test that blocks publishing (severity error), described by what it checks;
        a warn-severity test stays a dbt test, its result logged as an observation."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or not spec.blocking:
            return None
        test = self.get_resource_props(manifest, unique_id)
        model = ".".join(asset_spec.key.path)
        return dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, additional_deps=spec.additional_deps,
                                 metadata=spec.metadata, blocking=spec.blocking,
                                 description=test_description(manifest, test, model, DBT_PROJECT_DIR))

    def write_state_to_path(self, state_path: Path) -> None:
        """`dg utils refresh-defs-state` (and `dg dev` on start): parse the project in place, writing the manifest
        into dbt_project/target/ (the project is used where it is, not copied)."""
        project = self.dbt_project
        dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path, raise_on_error=True).wait()
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(_manifest_digest(project.manifest_path))

    def build_defs_from_state(self, context: dg.ComponentLoadContext, state_path: Path | None) -> dg.Definitions:
        """dagster-dbt's documented `@dbt_assets` on the prepared manifest, with this component as its translator
        (keys, groups, owners, code versions) and the `warehouse` resource the build needs (its staging copy)."""
        project = self.dbt_project

        @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=self.translator,
                    name="dbt_models", required_resource_keys={"warehouse"})
        def dbt_models(context):
            """dbt build (models and their tests) into the staging copy."""
            yield from self.execute(context=context, dbt=dbt_cli(project))

        return dg.Definitions(assets=[dbt_models])

    def execute(self, context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
        warehouse = context.resources.warehouse
        settings = warehouse.settings
        state = ParseState(settings.home)
        targets = settings.home / "dbt_target"
        dbt_vars = pipeline_vars(warehouse.staging_copy(context.run.run_id), settings)
        build_target = targets / context.run.run_id[:8]
        with state.reusing(build_target):
            # dbt unit tests check the SQL logic on fixed inputs, not the night's data: `make test` runs them
            # (tests/integration/test_dbt_build.py); a night only builds the models and runs their data tests.
            started_dbt = []
            with interrupts_kept(lambda: [_stop(i) for i in started_dbt]):
                invocation = dbt.cli(["build", "--target", "pipeline", "--vars", dbt_vars,
                                      "--exclude-resource-type", "unit_test"], context=context, target_path=build_target)
                started_dbt.append(invocation)
            # dagster-dbt's fetch_row_counts()/fetch_column_metadata() query while dbt still holds the DuckDB file
            # (one writer per file): collect the events, and read the catalog metadata once dbt has finished.
            events = list(invocation.stream())
            if not (build_target / "run_results.json").exists():  # dbt ended without finishing (killed)
                raise RuntimeError(f"dbt build ended without writing run_results.json (exit code "
                                   f"{invocation.process.returncode}): it was stopped before it finished")
            started = time.perf_counter()
            built = {r for r in map(_relation, events) if r}
            with warehouse.connect(context.run.run_id) as con:
                found = catalog(con, built)
            context.log.info(f"catalog metadata of {len(found)} models in {time.perf_counter() - started:.2f}s")
            published = dg.MetadataValue.path(str(warehouse.paths.published))
            for event in events:
                relation = _relation(event)
                yield event.with_metadata({**event.metadata, **found[relation], "warehouse": published}) \
                    if relation in found else event
        for old in sorted(targets.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEEP_DBT_TARGETS]:
            shutil.rmtree(old, ignore_errors=True)
