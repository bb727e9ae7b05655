"""What a dbt data test checks, in one sentence: the description of the Dagster check it becomes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

_REF = re.compile(r"""(?:ref|source)\(\s*(?:'[^']*'\s*,\s*)?'([^']+)'\s*\)""")
_COMMENT = re.compile(r"\{#-?(.*?)-?#\}", re.S)


def _name(text: Any) -> str:
    """`ref('x')` / `source('s', 'x')` / plain text -> `x`."""
    found = _REF.search(str(text))
    return found.group(1) if found else str(text)


def _generic_description(manifest: Mapping[str, Any], test: Mapping[str, Any], model: str, project: Path) -> str:
    meta = test.get("test_metadata") or {}
    kind, kwargs = meta.get("name", ""), meta.get("kwargs") or {}
    column = kwargs.get("column_name") or test.get("column_name")
    if kind == "unique":
        return f"`{column}` is unique in {model}."
    if kind == "not_null":
        return f"`{column}` is never null in {model}."
    if kind == "accepted_values":
        return f"`{column}` of {model} only takes the values {', '.join(map(str, kwargs.get('values', [])))}."
    if kind == "relationships":
        return (f"Every non-null `{column}` of {model} is a `{kwargs.get('field')}` of "
                f"{_name(kwargs.get('to'))}.")
    if kind == "unique_combination_of_columns":
        return f"({', '.join(kwargs.get('combination_of_columns', []))}) is unique in {model}."
    macro = manifest.get("macros", {}).get(f"macro.{test.get('package_name')}.test_{kind}", {})
    doc = _file_comment(str(project), macro.get("original_file_path", "")) or f"the `{kind}` test"
    args = ", ".join(f"{k}={_name(v)}" for k, v in kwargs.items() if k != "model")
    return f"{model}: {doc}" + (f" ({args})" if args else "")


@cache
def _file_comment(root: str, path: str) -> str:
    """The `{#- ... -#}` comment that opens a generic test's file (what the test checks)."""
    file = Path(root) / path
    found = _COMMENT.search(file.read_text(encoding="utf-8")) if path and file.is_file() else None
    return " ".join(found.group(1).split()) if found else ""


def _singular_description(test: Mapping[str, Any]) -> str:
    """The leading `--` comment of a singular test's SQL file."""
    lines = []
    for line in (test.get("raw_code") or "").splitlines():
        text = line.split("}}", 1)[-1].strip() if line.lstrip().startswith("{{") else line.strip()
        if text.startswith("--") and not lines and "shown as a check" in text:
            continue
        if text.startswith("--"):
            lines.append(text.lstrip("- "))
        elif lines or (text and not line.lstrip().startswith("{{")):
            break
    return " ".join(lines) or f"the singular test `{test.get('name')}` returns no row."


def test_description(manifest: Mapping[str, Any], test: Mapping[str, Any], model: str, project: Path) -> str:
    """The test's own `description` when its yml gives one, else one derived from what it checks."""
    own = (test.get("description") or (test.get("meta") or {}).get("description") or "").strip()
    if own:
        return own
    if test.get("test_metadata"):
        return _generic_description(manifest, test, model, project)
    return _singular_description(test)
