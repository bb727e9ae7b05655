"""AI-cited events listed with their article URL: from the per-source rows today, from marts.source_urls once it exists."""

from __future__ import annotations

import pandas as pd

from analytics.ai_cited_events import ai_cited_events, event_urls, titles_text

EVENTS = pd.DataFrame({
    "event_id": ["e1", "e2", "e3", "e4"], "company": ["Acme", "Bolt", "Cyan", "Dune"],
    "event_date": pd.to_datetime(["2025-03-01", "2025-05-02", "2024-01-09", "2025-05-02"]),
    "laid_off": pd.array([120, None, 40, 9], dtype="Int64"),
    "ai_attribution": ["ai_cited", "ai_cited", "none", "ai_cited"],
    "ai_attribution_evidence": ["layoffs_fyi: reason: ai push", "crunchbase_tracker: reason: automation", "no ai term",
                                "layoffs_fyi: ai in headline: ai agents"],
    "layoffs_fyi_ref": ["f:1", None, "f:3", "f:4"], "crunchbase_ref": ["c:1", "c:2", None, None]})
URLS = pd.DataFrame({"source_event_id": ["f:1", "c:1", "c:2", "f:3", "f:4"],
                     "source_url": ["https://news.example/acme-ai-push", None, None, "https://news.example/cyan",
                                    "https://news.example/dune-ai-agents"],
                     "ai_text_origin": ["slug", "notes", "notes", "slug", "slug"]})


def test_ai_cited_events_newest_first_with_the_url_of_their_source_row():
    out = ai_cited_events(EVENTS, URLS)
    assert list(out["company"]) == ["Bolt", "Dune", "Acme"]      # newest first, then by name; 'none' left out
    got = dict(zip(out["company"], out["article_url"]))
    assert got == {"Bolt": None, "Dune": "https://news.example/dune-ai-agents", "Acme": "https://news.example/acme-ai-push"}
    assert out.set_index("company").loc["Acme", "evidence"] == "layoffs_fyi: reason: ai push"
    assert pd.isna(out.set_index("company").loc["Bolt", "laid_off"])


def test_event_urls_switch_to_the_marts_column_when_it_exists():
    events = EVENTS.assign(source_urls=["https://a.example/x | https://a.example/y,with-comma", None, "", ["https://c.example"]])
    urls = event_urls(events, URLS)   # the per-source frame is ignored once the mart carries the URLs
    assert list(urls) == ["https://a.example/x https://a.example/y,with-comma", None, None, "https://c.example"]


def test_titles_text_says_whether_article_titles_were_used():
    assert titles_text(URLS).startswith("Article titles were not used")
    used = URLS.assign(ai_text_origin=["headline_title", "notes", "notes", "slug", "headline_title"])
    assert titles_text(used).startswith("2 source rows") and "not counted" in titles_text(used)
    assert "not recorded" in titles_text(None)
