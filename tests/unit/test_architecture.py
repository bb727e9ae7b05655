"""Architecture rules, checked on the source: one-way imports, one-line docstrings, small files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("ingestion", "warehouse", "analytics", "orchestration", "safetext", "sqlcli")
# what each layer must not import (top-level package names)
FORBIDDEN = {
    "ingestion": {"warehouse", "analytics", "orchestration", "dagster", "dagster_dbt"},
    "warehouse": {"ingestion", "analytics", "orchestration", "dagster", "dagster_dbt"},
    "analytics": {"ingestion", "warehouse", "orchestration", "dagster", "dagster_dbt"},
    "orchestration": set(),
    # the read-only SQL command: reads the published warehouse (its paths and catalog), nothing else
    "sqlcli": {"ingestion", "analytics", "orchestration", "dagster", "dagster_dbt"},
    # the leaf every layer may use (redaction, terminal-safe text): it imports none of them
    "safetext": {"ingestion", "warehouse", "analytics", "orchestration", "dagster", "dagster_dbt"},
}
FILES = sorted(p for layer in LAYERS for p in (REPO / layer).rglob("*.py"))


def _imported_packages(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_layer_imports_flow_one_way_and_files_stay_small(path):
    tree = ast.parse(path.read_text())
    layer = path.relative_to(REPO).parts[0]
    bad = _imported_packages(tree) & FORBIDDEN[layer]
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path.relative_to(REPO)} has no module docstring"
    assert len(path.read_text().splitlines()) <= 330, f"{path.relative_to(REPO)} is too long"


def test_nothing_imports_orchestration():
    for path in REPO.glob("*/**/*.py"):
        top = path.relative_to(REPO).parts[0]
        if top in ("orchestration", "tests", "bench", ".venv", "docker") or top.startswith("."):
            continue
        assert "orchestration" not in _imported_packages(ast.parse(path.read_text())), path


def _reads_environment(tree: ast.AST) -> bool:
    """`os.environ` / `os.getenv` / `environ` imported from os, anywhere in the module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in ("environ", "getenv", "putenv", "unsetenv"):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            return True
    return False


def test_only_the_settings_module_reads_the_environment():
    """One configuration object: orchestration/settings.py reads the environment; everything else is handed it."""
    readers = [str(p.relative_to(REPO)) for p in FILES if _reads_environment(ast.parse(p.read_text()))]
    assert readers == ["orchestration/settings.py"]
