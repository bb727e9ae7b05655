"""analytics.changes_since_last_publish: per-source events added/removed/changed and monthly figures that moved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ai_cited_events import SOURCE_URLS_FRAME

CHANGE_COLUMNS = ["change", "source", "company", "event_date", "laid_off", "laid_off_before", "source_url",
                  "month", "series", "value_before", "value_after", "compared_with"]
# The frames compared (the orchestrator reads them from the new build and from the previously published file).
CHANGE_FRAMES = ("fct_source_layoffs", "layoffs_vs_ai_monthly", SOURCE_URLS_FRAME, "_publish_log")
KEY = ["source", "company", "event_date", "occurrence"]
MONTHLY_KEY = "month"


def source_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """One row per source row: source, company, event_date, laid_off, source_url (None when the frame is absent)."""
    rows = frames.get("fct_source_layoffs")
    if rows is None:
        return None
    rows = rows.copy()
    if "source_url" not in rows.columns:   # until the per-source fact carries it: the attribution's URL
        urls = frames.get(SOURCE_URLS_FRAME)
        lookup = (urls.drop_duplicates("source_event_id").set_index("source_event_id")["source_url"]
                  if urls is not None and not urls.empty else pd.Series(dtype=object))
        rows["source_url"] = rows["source_event_id"].map(lookup)
    out = rows[["source", "company", "event_date", "laid_off", "source_url"]].copy()
    out["event_date"] = pd.to_datetime(out["event_date"]).dt.date
    out["laid_off"] = pd.to_numeric(out["laid_off"], errors="coerce")
    out = out.sort_values(["source", "company", "event_date", "laid_off", "source_url"], na_position="last",
                          kind="stable")
    out["occurrence"] = out.groupby(["source", "company", "event_date"], dropna=False).cumcount()
    return out


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    both_na = a.isna() & b.isna()
    return both_na | (a.astype(object) == b.astype(object)).fillna(False)


def event_changes(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    m = new.merge(old, on=KEY, how="outer", suffixes=("", "_before"), indicator=True)
    added, removed = m[m["_merge"] == "left_only"], m[m["_merge"] == "right_only"]
    both = m[m["_merge"] == "both"]
    changed = both[~(_same(both["laid_off"], both["laid_off_before"]) & _same(both["source_url"],
                                                                             both["source_url_before"]))]
    parts = [added.assign(change="event_added", laid_off_before=np.nan),
             removed.assign(change="event_removed", laid_off=np.nan, source_url=removed["source_url_before"],
                            laid_off_before=removed["laid_off_before"]),
             changed.assign(change="event_changed")]
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else pd.DataFrame()
    return out


def monthly_changes(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """(month, series, value_before, value_after) for every monthly figure that differs (a new month counts)."""
    def long(df: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in df.columns if c != MONTHLY_KEY and pd.api.types.is_numeric_dtype(df[c])]
        return df.assign(month=pd.to_datetime(df[MONTHLY_KEY]).dt.date).melt(
            id_vars=MONTHLY_KEY, value_vars=cols, var_name="series", value_name="value")
    m = long(new).merge(long(old), on=[MONTHLY_KEY, "series"], how="outer", suffixes=("_after", "_before"))
    a, b = m["value_after"].astype(float), m["value_before"].astype(float)
    moved = ~((a.isna() & b.isna()) | np.isclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=False))
    return m[moved].assign(change="monthly_moved").sort_values([MONTHLY_KEY, "series"], kind="stable")


def _previous_run(previous: dict[str, pd.DataFrame]) -> str:
    log = previous.get("_publish_log")
    if log is None or log.empty:
        return "the previous publish"
    last = log.sort_values("published_at").iloc[-1]
    return f"run {last['run_id']} published {pd.Timestamp(last['published_at']):%Y-%m-%d %H:%M}"


def changes_since_last_publish(current: dict[str, pd.DataFrame],
                               previous: dict[str, pd.DataFrame] | None) -> pd.DataFrame:
    """Every change against the previously published warehouse; one 'first_publish' row when there is none."""
    if previous is None:
        return pd.DataFrame([{"change": "first_publish"}], columns=CHANGE_COLUMNS)
    parts = []
    new_rows, old_rows = source_rows(current), source_rows(previous)
    if new_rows is not None and old_rows is not None:
        parts.append(event_changes(new_rows, old_rows))
    elif new_rows is not None:
        parts.append(pd.DataFrame([{"change": "events_not_comparable"}]))
    new_m, old_m = current.get("layoffs_vs_ai_monthly"), previous.get("layoffs_vs_ai_monthly")
    if new_m is not None and old_m is not None:
        parts.append(monthly_changes(new_m, old_m))
    parts = [p for p in parts if len(p)]
    out = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame([{"change": "no_change"}]))
    out = out.reindex(columns=CHANGE_COLUMNS)
    out["compared_with"] = _previous_run(previous)
    for col in ("laid_off", "laid_off_before"):
        out[col] = pd.array(out[col].round(), dtype="Int64") if out[col].notna().any() else pd.array(
            [pd.NA] * len(out), dtype="Int64")
    for col in ("event_date", "month"):          # the same column types whatever the rows (DuckDB: TIMESTAMP)
        out[col] = pd.to_datetime(out[col])
    for col in ("value_before", "value_after"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out.astype({c: object for c in ("change", "source", "company", "source_url", "series", "compared_with")})


def changes_view(changes: pd.DataFrame | None, limit: int = 100) -> pd.DataFrame:
    """The report's table: the first `limit` rows, dates as text, columns that are empty everywhere left out."""
    if changes is None or changes.empty:
        return pd.DataFrame()
    v = changes.head(limit).copy()
    v["event_date"] = pd.to_datetime(v["event_date"]).dt.strftime("%Y-%m-%d")
    v["month"] = pd.to_datetime(v["month"]).dt.strftime("%Y-%m")
    return v.drop(columns="compared_with").dropna(axis=1, how="all")   # compared_with: said in the text


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def changes_text(changes: pd.DataFrame) -> list[str]:
    """The short section: first publish, nothing changed, or counts per source and the monthly figures moved."""
    if changes is None or changes.empty:
        return ["No comparison with the last publish was made."]
    kinds = set(changes["change"])
    if kinds == {"first_publish"}:
        return ["This is the first publish: there is no earlier published warehouse to compare with."]
    against = changes["compared_with"].iloc[0]
    if kinds == {"no_change"}:
        return [f"Nothing changed since {against}: the same source rows and the same monthly figures."]
    ev = changes[changes["change"].str.startswith("event_") & (changes["change"] != "events_not_comparable")]
    parts = []
    for source, g in ev.groupby("source"):
        counts = g["change"].value_counts()
        parts.append(f"{source}: {counts.get('event_added', 0)} added, {counts.get('event_removed', 0)} removed, "
                     f"{counts.get('event_changed', 0)} changed")
    moved = changes[changes["change"] == "monthly_moved"]
    months = sorted(moved["month"].dropna().unique())
    rows_said = "; ".join(parts) or ("not compared" if "events_not_comparable" in kinds else "no change")
    text = (f"Compared with {against}. Source rows: {rows_said}. "
            + (f"{_n(len(moved), 'monthly figure')} moved, in {_n(len(months), 'month')} "
               + (f"({months[0]:%Y-%m})." if len(months) == 1 else f"({months[0]:%Y-%m} to {months[-1]:%Y-%m}).")
               if len(moved) else "No monthly figure moved."))
    if "events_not_comparable" in kinds:
        text += (" Source rows could not be compared: the previous publish could not be read or has no "
                 "marts.fct_source_layoffs.")
    return [text, "Every change is a row of analytics.changes_since_last_publish; the report lists the first 100."]
