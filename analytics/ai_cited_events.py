"""The AI-cited layoff events listed one by one (company, date, people, evidence words, article URL)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# The frame of per-source-row article URLs (analytics.INPUT_TABLES). `event_urls` is the one place that says where
# an event's URL comes from: marts.fct_layoff_events.source_urls when the mart has it, else this frame.
SOURCE_URLS_FRAME = "source_urls"
REF_COLUMNS = ("layoffs_fyi_ref", "crunchbase_ref")
AI_CITED_EVENT_COLUMNS = ["company", "event_date", "laid_off", "evidence", "article_url", "event_id"]


def _joined(value) -> str | None:
    """URLs from a list (a DuckDB LIST arrives as an array) or a ' | '-separated string (the marts' separator: URLs
    may hold commas), space-separated."""
    many = isinstance(value, (list, tuple, np.ndarray))
    if value is None or (not many and pd.isna(value)):
        return None
    parts = list(value) if many else str(value).split(" | ")
    parts = [p.strip() for p in parts if p and str(p).strip()]
    return " ".join(dict.fromkeys(parts)) or None


def event_urls(events: pd.DataFrame, source_urls: pd.DataFrame | None) -> pd.Series:
    """Article URL(s) of each event, space-separated (index = events' index; None when no source row has one)."""
    if "source_urls" in events.columns:
        return pd.Series([_joined(v) for v in events["source_urls"]], index=events.index, dtype=object)
    if source_urls is None or source_urls.empty:
        return pd.Series([None] * len(events), index=events.index, dtype=object)
    url = source_urls.dropna(subset=["source_url"]).drop_duplicates("source_event_id").set_index(
        "source_event_id")["source_url"]
    found = [events[c].map(url) if c in events.columns else pd.Series(None, index=events.index)
             for c in REF_COLUMNS]   # layoffs.fyi first: the Crunchbase export names outlets, not URLs
    both = pd.concat(found, axis=1)
    return pd.Series([_joined([u for u in row if isinstance(u, str)]) for row in both.itertuples(index=False)],
                     index=events.index, dtype=object)


def ai_cited_events(events: pd.DataFrame | None, source_urls: pd.DataFrame | None) -> pd.DataFrame:
    """Every deduplicated event classed ai_cited, newest first."""
    if events is None or events.empty or "ai_attribution" not in events:
        return pd.DataFrame(columns=AI_CITED_EVENT_COLUMNS)
    cited = events[events["ai_attribution"] == "ai_cited"]
    out = pd.DataFrame({
        "company": cited["company"], "event_date": pd.to_datetime(cited["event_date"]).dt.date,
        "laid_off": pd.array(cited["laid_off"], dtype="Int64"),
        "evidence": cited.get("ai_attribution_evidence", pd.Series(None, index=cited.index)),
        "article_url": event_urls(cited, source_urls), "event_id": cited.get("event_id")})
    return out.sort_values(["event_date", "company"], ascending=[False, True], kind="stable").reset_index(drop=True)


def titles_used(source_urls: pd.DataFrame | None) -> int | None:
    """How many source rows had only a fetched article title to read (None when unknown)."""
    if source_urls is None or "ai_text_origin" not in source_urls:
        return None
    return int((source_urls["ai_text_origin"] == "headline_title").sum())


def titles_text(source_urls: pd.DataFrame | None) -> str:
    used = titles_used(source_urls)
    if used is None:
        return "Whether article titles were read is not recorded in this build."
    if used == 0:
        return ("Article titles were not used: no source row had a fetched article title to read (titles are "
                "fetched only with LAYOFFS_AI_FETCH_HEADLINES=1), so every class comes from URL slugs and Crunchbase "
                "notes alone.")
    return (f"{used:,} source rows whose URL slug had fewer than 2 headline words had a fetched article title: it is "
            "classified (title_ai_attribution) but not counted, because the accuracy of titles was never measured on "
            "a labelled sample; every share comes from URL slugs and Crunchbase notes alone.")
