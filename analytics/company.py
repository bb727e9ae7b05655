"""Company view: organisations with a layoff and a notable model release in the same year, via a versioned alias table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analytics.series import AnalyticsInputError, require_columns

ALIASES_PATH = Path(__file__).with_name("org_aliases.csv")
SIDES = ("layoffs", "epoch")
OUTPUT_COLUMNS = [
    "org", "year", "layoff_events", "layoff_events_unknown_count", "laid_off", "models_released",
    "layoff_and_model_same_year", "alias_version",
]
_LEGAL_SUFFIX = re.compile(r"(?:\s+(?:inc|incorporated|corp|corporation|co|ltd|limited|llc|plc|gmbh|sa|ag))+$")


def normalise_name(name: object) -> str:
    """Casefold, '&'→'and', punctuation→space, collapse spaces, drop trailing legal suffixes (Inc, Corp, Ltd...)."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = str(name).casefold().replace("&", " and ")
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    return _LEGAL_SUFFIX.sub("", text).strip()


def load_aliases(path: Path | str | None = None) -> pd.DataFrame:
    """Read the alias CSV (`# version: X` line, then canonical_org,side,name); adds `version` and `key` columns."""
    path = Path(path) if path is not None else ALIASES_PATH
    lines = path.read_text(encoding="utf-8").splitlines()
    version = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("# version:")), "")
    if not version:
        raise AnalyticsInputError(f"{path.name}: missing '# version: ...' header line")
    comment_lines = sum(1 for ln in lines if ln.startswith("#"))
    df = pd.read_csv(path, skiprows=comment_lines, dtype=str, keep_default_na=False)
    df.attrs = {}
    return validate_aliases(df.assign(version=version), source=path.name, first_line=comment_lines + 2)


def validate_aliases(df: pd.DataFrame, source: str = "aliases", first_line: int = 2) -> pd.DataFrame:
    """Check columns, sides and that no normalised name maps to two orgs on one side."""
    require_columns(df, ["canonical_org", "side", "name", "version"], source)
    out = df.copy()
    out["key"] = out["name"].map(normalise_name)
    seen: dict[tuple[str, str], str] = {}
    for i, row in enumerate(out.itertuples(index=False)):
        line = first_line + i
        if row.side not in SIDES:
            raise AnalyticsInputError(f"{source} line {line}: side must be one of {SIDES}, got {row.side!r}")
        if not row.key or not str(row.canonical_org).strip():
            raise AnalyticsInputError(f"{source} line {line}: blank canonical_org or name")
        other = seen.setdefault((row.side, row.key), row.canonical_org)
        if other != row.canonical_org:
            raise AnalyticsInputError(
                f"{source} line {line}: {row.name!r} ({row.side}) maps to both {other!r} and {row.canonical_org!r}")
    return out


def lookup(aliases: pd.DataFrame, side: str) -> dict[str, str]:
    """Normalised name -> canonical org for one side ('layoffs' or 'epoch') of the alias table."""
    part = aliases[aliases["side"] == side]
    return dict(zip(part["key"], part["canonical_org"]))


def company_layoffs_vs_releases(
    events_df: pd.DataFrame, models_df: pd.DataFrame, aliases_df: pd.DataFrame, dataset: str = "notable",
    models_through: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Per org × year: layoff events, known laid-off total and notable models, for orgs that had a layoff and a
    model release in the same year at least once ("lays off while shipping models").

    The window is the calendar years covered by `events_df`. Multi-organisation models (comma-joined
    Epoch organisations) count once for each canonical org they name. Years where the org had neither
    layoffs nor models are omitted; a year with only one of them shows 0 for the other, except that
    models_released is NULL (unknown) in years the list does not cover to their end, i.e. years after
    `models_through` (default: the list's latest publication date, its "data through"), and laid_off is
    NULL in a year whose events all lack a count.
    """
    require_columns(events_df, ["event_date", "company", "laid_off"], "fct_layoff_events")
    require_columns(models_df, ["organization", "publication_date"], "fct_model_releases")
    aliases = aliases_df if "key" in aliases_df.columns else validate_aliases(aliases_df)
    version = str(aliases["version"].iloc[0]) if len(aliases) else ""
    if events_df.empty or models_df.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)

    ev = events_df.copy()
    ev["org"] = ev["company"].map(normalise_name).map(lookup(aliases, "layoffs"))
    ev["year"] = pd.to_datetime(ev["event_date"]).dt.year
    years = (int(ev["year"].min()), int(ev["year"].max()))
    ev = ev.dropna(subset=["org", "year"])
    laid = pd.to_numeric(ev["laid_off"], errors="coerce")
    ev_agg = ev.assign(_laid=laid, _unknown=laid.isna()).groupby(["org", "year"]).agg(
        layoff_events=("company", "size"), layoff_events_unknown_count=("_unknown", "sum"),
        laid_off=("_laid", "sum"))

    md = models_df
    if "dataset" in md.columns:
        md = md[md["dataset"] == dataset]
    md = md.assign(year=pd.to_datetime(md["publication_date"]).dt.year).dropna(subset=["year"])
    through = pd.Timestamp(models_through) if models_through is not None else pd.to_datetime(md["publication_date"]).max()
    md = md[(md["year"] >= years[0]) & (md["year"] <= years[1])]
    epoch_lookup = lookup(aliases, "epoch")
    orgs = md["organization"].fillna("").astype(str).str.split(",").map(
        lambda parts: sorted({epoch_lookup[k] for k in map(normalise_name, parts) if k in epoch_lookup}))
    md_long = md.assign(org=orgs).explode("org").dropna(subset=["org"])
    mo_agg = md_long.groupby(["org", "year"]).size().rename("models_released")

    out = ev_agg.join(mo_agg, how="outer").reset_index().fillna(
        {"layoff_events": 0, "layoff_events_unknown_count": 0, "laid_off": 0, "models_released": 0})
    out = out.astype({"year": "int64", "layoff_events": "int64", "layoff_events_unknown_count": "int64",
                      "laid_off": "int64", "models_released": "Int64"})
    if pd.notna(through):   # a year the list does not cover to its end (after its data-through date): unknown
        out.loc[out["year"] > (through + pd.Timedelta(days=1)).year - 1, "models_released"] = pd.NA
    unknown = (out["layoff_events"] > 0) & (out["layoff_events"] == out["layoff_events_unknown_count"])
    out["laid_off"] = out["laid_off"].astype("Int64").mask(unknown)   # every event lacks a count: unknown, not 0
    out["layoff_and_model_same_year"] = (out["layoff_events"] > 0) & (out["models_released"].fillna(0) > 0)
    shipping = set(out.loc[out["layoff_and_model_same_year"], "org"])
    out = out[out["org"].isin(shipping)].copy()
    out["alias_version"] = version
    return out.sort_values(["org", "year"], ignore_index=True)[OUTPUT_COLUMNS]
