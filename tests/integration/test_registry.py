"""The source registry is the one place a source is declared: dbt's declarations agree, and a toy source joins alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion import sources

REPO = Path(__file__).resolve().parents[2]
STAGING = REPO / "dbt_project" / "models" / "staging"


def _declared(staging: Path = STAGING) -> dict[str, dict]:
    """dbt source name -> {table: loaded_at_query} from every models/staging/<name>/_<name>__sources.yml."""
    out = {}
    for path in sorted(staging.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert path.name == f"_{source['name']}__sources.yml" and path.parent.name == source["name"], path
            assert source.get("schema") == "raw", path
            out[source["name"]] = {t["name"]: (t.get("config") or {}).get("loaded_at_query", "")
                                   for t in source["tables"]}
    return out


def test_dbt_sources_match_the_registry():
    declared = _declared()
    modules = {module: [t for t, m in sources.MODULE_OF_TABLE.items() if m == module]
               for module in dict.fromkeys(sources.MODULE_OF_TABLE.values())}
    assert set(declared) == set(modules), "one dbt source (and staging folder) per source module"
    for module, tables in modules.items():
        assert sorted(declared[module]) == sorted(tables), module
        for table in tables:
            loaders = sorted(d for d, (ds, _) in sources.DATASETS.items() if table in ds.tables)
            named = sorted(re.findall(r"'([a-z0-9_]+)'", declared[module][table]))
            assert named == loaders, f"{module}.{table}: loaded_at_query names {named}, the registry {loaders}"
            assert (STAGING / module / f"stg_{table}.sql").is_file(), f"no staging model for raw.{table}"


def test_every_dataset_declares_what_the_pipeline_needs():
    for dataset_id, (dataset, module) in sources.DATASETS.items():
        assert dataset.url.startswith("https://") and dataset.origin.license and dataset.offline_glob, dataset_id
        assert set(dataset.tables) <= set(module.RAW_TABLES), dataset_id
        assert callable(module.fetch) and callable(module.read) and callable(module.check_layout), dataset_id
    assert sources.OPTIONAL_TABLES <= set(sources.RAW_TABLES)


# -- a toy source, added in a copy of the tree: one module, its fixture folder, its staging folder ------------------
TOY_MODULE = '''"""Toy source for the registry test: one CSV dataset, one raw table."""

from ingestion.core import Column, CsvSchema, Dataset, Origin, Snapshot, SnapshotRows, pick_dataset
from ingestion.csvhead import check_header, csv_rows, read_head

ORIGIN = Origin(name="Toy", url="https://toy.example/", license="CC0", citation="Toy data")
TOY = Dataset(id="toy_things", origin=ORIGIN, url="https://toy.example/things.csv", filename="toy_things.csv",
              offline_glob="toy_things_*.csv", tables=("toy__things",), date_column="day")
DATASETS = (TOY,)
SCHEMA = CsvSchema(source="toy_things", required=("name", "count", "day"))
RAW_TABLES = {"toy__things": SCHEMA.raw_columns() + [Column("_extra", "JSON")]}
ORDER = 99


def fetch(dataset=TOY, *, store, client=None, snapshot_dir=None, url=None) -> Snapshot:
    from ingestion.fetching import fetch_dataset

    return fetch_dataset(pick_dataset(DATASETS, dataset), store=store, client=client, snapshot_dir=snapshot_dir,
                         url=url)


def read(snapshot: Snapshot) -> SnapshotRows:
    return csv_rows(snapshot.path, SCHEMA, "toy__things", snapshot.source)


def check_layout(snapshot: Snapshot) -> None:
    check_header(read_head(snapshot.path), SCHEMA)
'''
TOY_FIXTURE = "name,count,day\nAlpha,\"1,000\",2025-01-02\nBeta,Unclear,2025-01-03\nGamma,lots,2025-01-04\n"
TOY_SOURCES = """version: 2
sources:
  - name: toy
    schema: raw
    description: Toy rows as text.
    tables:
      - name: toy__things
        description: Toy things.
        config:
          loaded_at_query: "select max(loaded_at) from raw._loads where source in ('toy_things')"
"""
TOY_TYPED = """{% macro stg_toy__things__typed() %}
select
    name,
    try_cast(count_value("count") as bigint) as thing_count,
    iso_date("day") as day,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number,
    coalesce(blank_key('name', name), labelled('count', count_problem("count")),
             labelled('day', iso_date_problem("day"))) as _reject_reason,
    _raw_text
from {{ source('toy', 'toy__things') }}
{% endmacro %}
"""
TOY_MODEL = ("select * exclude (_reject_reason, _raw_text) from ({{ stg_toy__things__typed() }}) "
             "where _reject_reason is null\n")
TOY_REJECTS = ("select source, snapshot_sha256, line_number, _raw_text as raw_text, _reject_reason as reason, "
               "'typing' as kind from ({{ stg_toy__things__typed() }}) where _reject_reason is not null\n")
# the lines that add the toy source's models to staging.rejects and staging.load_outcomes: (file, after, added)
TOY_LISTED = [("rejects.sql", "    ref('stg_indeed__rejects'),\n", "    ref('stg_toy__rejects'),\n"),
              ("load_outcomes.sql", "    ref('stg_indeed__postings_by_sector'),\n", "    ref('stg_toy__things'),\n"),
              ("load_outcomes.sql", "{%- set dated = {", "'stg_toy__things': 'day', ")]


def _copy_tree(dest: Path) -> None:
    skip = shutil.ignore_patterns(".venv", ".git", "target", "logs", "data", "__pycache__", "*.egg-info")
    for name in ("ingestion", "warehouse", "analytics", "orchestration", "dbt_project", "tests", "bench", "docs"):
        shutil.copytree(REPO / name, dest / name, ignore=skip, symlinks=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, dest / name)


@pytest.mark.slow
def test_a_toy_source_is_picked_up_from_its_three_places(tmp_path):
    tree = tmp_path / "tree"
    _copy_tree(tree)
    (tree / "ingestion" / "sources" / "toy.py").write_text(TOY_MODULE)
    (tree / "tests" / "fixtures" / "toy").mkdir()
    (tree / "tests" / "fixtures" / "toy" / "toy_things_pipeline.csv").write_text(TOY_FIXTURE)
    (tree / "dbt_project" / "models" / "staging" / "toy").mkdir()
    (tree / "dbt_project" / "models" / "staging" / "toy" / "_toy__sources.yml").write_text(TOY_SOURCES)
    (tree / "dbt_project" / "models" / "staging" / "toy" / "stg_toy__things.sql").write_text(TOY_MODEL)
    (tree / "dbt_project" / "models" / "staging" / "toy" / "stg_toy__rejects.sql").write_text(TOY_REJECTS)
    (tree / "dbt_project" / "macros" / "typing" / "stg_toy__things__typed.sql").write_text(TOY_TYPED)
    for name, after, added in TOY_LISTED:
        path = tree / "dbt_project" / "models" / "staging" / name
        text = path.read_text()
        assert text.count(after) == 1, (name, after)
        path.write_text(text.replace(after, after + added))

    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env |= {"PYTHONPATH": str(tree), "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            "LAYOFFS_AI_HOME": str(tmp_path / "home")}

    def run(*args: str, timeout: int = 600) -> str:
        result = subprocess.run(list(args), cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{args}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    # everything that derives from the registry sees the toy source (in the copy, not in this process)
    derived = run(sys.executable, "-c", (
        "import ingestion.sources as s, tests.integration.conftest as f, tests.support.fixture_snapshots as x;"
        "from orchestration.defs import ingestion as a, raw_checks as c;"
        "print(s.DATASETS['toy_things'][1].__file__, a.TABLES_BY_DATASET['toy_things'], f.TABLE_OF['toy_things'],"
        " x.FIXTURE_BY_DATASET['toy_things'], 'toy__things' in c.PRIMARY_TABLES)"))
    assert derived.split() == [str(tree / "ingestion" / "sources" / "toy.py"), "('toy__things',)", "toy__things",
                               "toy/toy_things_pipeline.csv", "True"]
    # the pipeline loads it, types it in its staging model and publishes it
    run(str(bin_dir / "dg"), "utils", "refresh-defs-state")
    snaps = tmp_path / "snaps"
    run(sys.executable, "-m", "tests.support.fixture_snapshots", str(snaps))
    env["LAYOFFS_AI_SNAPSHOT_DIR"] = str(snaps)
    # one bad row of three is over the 10% reject gate: the gate covers the toy source too, so accept it
    out = run(sys.executable, "-m", "orchestration.cli", "ingest", "--only", "toy_things", "--accept-drop", "toy_things")
    assert "toy_things: loaded; 2 rows, 1 rejects from 3 input rows" in out
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT name, thing_count FROM staging.stg_toy__things ORDER BY line_number").fetchall() == [
            ("Alpha", 1000), ("Beta", None)]
        assert con.execute("SELECT line_number, reason FROM staging.rejects WHERE source = 'toy_things'").fetchall() == [
            (4, "count: cannot parse 'lots' as a count")]
    finally:
        con.close()
