"""Remove control characters, lone surrogates and XML-invalid code points from text before it is rendered."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

# Same set as the dbt macro `clean_text` (dbt_project/macros/clean_text.sql): C0 controls except tab and
# newline, DEL, C1 controls, U+FFFE/U+FFFF (not allowed in XML: vl-convert aborts on them), plus lone
# surrogates, which cannot be encoded as UTF-8 at all (DuckDB VARCHAR never holds them; pandas strings can).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """`text` without control characters (tab and newline kept)."""
    return CONTROL_CHARS.sub("", text)


def clean_value(value: Any) -> Any:
    """Strings cleaned, everything else returned as is."""
    return clean_text(value) if isinstance(value, str) else value


def clean_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell cleaned (only text columns are touched); the same frame if clean."""
    cols = [c for c in df.columns if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])]
    dirty = [c for c in cols if df[c].map(lambda v: isinstance(v, str) and bool(CONTROL_CHARS.search(v))).any()]
    if not dirty:
        return df
    out = df.copy()
    for c in dirty:
        out[c] = out[c].map(clean_value)
    return out


def clean_tree(obj: Any) -> Any:
    """Dicts, lists and strings (a chart spec) with every string, keys included, cleaned; NaN/inf -> None (JSON null)."""
    if isinstance(obj, str):
        return clean_text(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {clean_tree(k): clean_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_tree(v) for v in obj]
    return obj
