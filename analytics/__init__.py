"""Analytics public API: compute the `analytics.*` tables from mart DataFrames, render charts and the report."""

# Light on import: the orchestrator's definitions need only INPUT_MARTS, so the names that compute something
# are loaded from their modules on first use (PEP 562, `_LAZY` below), with pandas, scipy and Altair.

from __future__ import annotations

import importlib

from analytics.chart_captions import CHART_CAPTIONS, WARN_CHART_STATE

__all__ = [
    "AnalyticsInputError", "INPUT_MARTS", "INPUT_TABLES", "run_analytics", "correlations", "lagged_correlations", "granger_tests",
    "stationarity", "company_layoffs_vs_releases", "load_aliases", "blog_table", "omitted_unknowns",
    "render_all", "build_report", "sources_caption", "chart_captions", "attribution_quality", "ai_cited_yearly",
    "analysis_window", "sensitivity", "company_event_study", "dedup_stats",
]

REQUIRED_FRAMES = ("layoffs_vs_ai_monthly", "fct_layoff_events", "fct_model_releases", "layoff_count_stats")
# Every mart run_analytics reads (the orchestrator loads these into `frames` and makes them the assets' deps).
INPUT_MARTS = REQUIRED_FRAMES + ("model_releases_monthly", "job_postings_monthly", "layoffs_monthly",
                                 "ai_cited_layoffs_monthly", "ai_attribution_sample", "fct_source_layoffs",
                                 "tracker_state_events", "warn_tracker_matches", "fct_warn_notices", "warn_monthly")
# Frames read from other schemas: name -> (schema, table, columns). `source_urls` is each source row's article URL
# (analytics.ai_cited_events.event_urls switches to marts.fct_layoff_events.source_urls once the mart has it).
INPUT_TABLES = {"source_urls": ("intermediate", "int_layoffs__ai_attribution",
                                ("source_event_id", "source_url", "ai_text_origin"))}


# Which topics feed each chart: a source (a dict of `sources`, handed in by the orchestrator from the source
# registry) feeds the charts of the topics it declares, so a new source needs no change here.
CHART_TOPICS = {
    "layoffs_by_date": ("layoffs",),
    "model_releases_by_month": ("notable_models",),
    "layoffs_vs_releases": ("layoffs", "model_releases"),
    "lagged_correlations": ("layoffs", "model_releases", "job_postings_by_sector"),
    "postings_by_sector": ("job_postings",),
    "ai_cited_share": ("layoffs",),
    "sensitivity": ("layoffs", "notable_models", "job_postings_by_sector"),
    "company_event_study": ("layoffs", "model_releases"),
    "warn_vs_trackers": ("layoffs", "warn_notices"),
}
# A chart drawn from one state's WARN notices credits only that state's dataset among the `warn_notices` sources.
CHART_DATASETS = {"warn_vs_trackers": {"warn_notices": (f"warn_{WARN_CHART_STATE.lower()}",)}}


def _provenance(source: dict) -> str:
    """'data through 2025-03-16, retrieved 2026-12-01' (+ STALE/MISSING when the source is not current)."""
    status = source.get("status") or "ok"
    if status == "missing":
        return "MISSING: never loaded"
    text = f"data through {source.get('data_through') or '?'} (retrieved {source.get('retrieved') or '?'})"
    return text + ("; STALE: last fetch failed" if status == "stale" else "")


def sources_caption(sources: list[dict], per_line: int = 2) -> str:
    """'Sources: A (data through …, retrieved …); B (...)' wrapped every `per_line` sources, for chart captions."""
    parts = list(dict.fromkeys(f"{s.get('name', '?')}: {_provenance(s)}" for s in sources))
    lines = ["; ".join(parts[i:i + per_line]) for i in range(0, len(parts), per_line)]
    return "\n".join(("Sources: " if i == 0 else "") + line for i, line in enumerate(lines))


def chart_captions(sources: list[dict]) -> dict[str, str]:
    """Per-chart caption naming only the sources whose `topics` feed it (all sources when none matches)."""
    out = {}
    for chart, topics in CHART_TOPICS.items():
        only = CHART_DATASETS.get(chart, {})
        used = [s for s in sources if set(s.get("topics") or ()) & set(topics)
                and all(s.get("dataset") in only[t] for t in set(s.get("topics") or ()) & set(only))]
        out[chart] = CHART_CAPTIONS[chart].replace(" Read: ", "\nRead: ") + "\n" + sources_caption(used or sources)
    return out


_LAZY = {  # name -> the module defining it
    "AnalyticsInputError": "analytics.series",
    "ai_cited_yearly": "analytics.ai_attribution",
    "analysis_window": "analytics.windows",
    "attribution_quality": "analytics.ai_quality",
    "blog_table": "analytics.blog_table",
    "build_report": "analytics.report",
    "company_event_study": "analytics.event_study",
    "company_layoffs_vs_releases": "analytics.company",
    "correlations": "analytics.stats",
    "dedup_stats": "analytics.dedup_stats",
    "granger_tests": "analytics.causality",
    "lagged_correlations": "analytics.stats",
    "load_aliases": "analytics.company",
    "omitted_unknowns": "analytics.blog_table",
    "render_all": "analytics.charts",
    "sensitivity": "analytics.sensitivity",
    "stationarity": "analytics.causality",
    "run_analytics": "analytics.pipeline",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
