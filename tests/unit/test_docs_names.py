"""The docs name only code that exists: every file path and dbt model named in the architecture docs is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = ("docs/architecture.md", "dbt_project/README.md", "docs/ai_attribution.md", "docs/adding-a-source.md", "README.md")
PATH = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|sql|yml|yaml|toml))`")
MODEL = re.compile(r"`((?:stg|int|fct)_[a-z0-9_]+)`")
# where a path written relative to its own folder may live
ROOTS = ("", "dbt_project/", "dbt_project/models/", "docs/", "tests/", "orchestration/")


def _named(pattern: re.Pattern, doc: str) -> list[str]:
    return sorted(set(pattern.findall((REPO / doc).read_text(encoding="utf-8"))))


def _models() -> set[str]:
    return {p.stem for p in (REPO / "dbt_project" / "models").rglob("*.sql")}


@pytest.mark.parametrize("doc", DOCS)
def test_every_file_a_doc_names_exists(doc):
    missing = [p for p in _named(PATH, doc)
               if not any((REPO / root / p).exists() for root in ROOTS)]
    assert not missing, f"{doc} names files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_every_dbt_model_a_doc_names_exists(doc):
    models = _models()
    # `stg_<source>__rejects`-style placeholders and column names that share a prefix are not model names
    missing = [m for m in _named(MODEL, doc) if m not in models and "__" in m]
    assert not missing, f"{doc} names dbt models that do not exist: {missing}"
