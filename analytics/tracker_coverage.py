"""How much each layoff tracker adds to the deduplicated events (from marts.fct_layoff_events' `sources`)."""

from __future__ import annotations

import pandas as pd

ONLY_CRUNCHBASE = "crunchbase_tracker"


def tracker_coverage(events: pd.DataFrame | None) -> dict | None:
    """Events and known people in total and in events only the Crunchbase tracker reports; None without events."""
    if events is None or events.empty or "sources" not in events:
        return None
    only = events[events["sources"] == ONLY_CRUNCHBASE]
    people = float(pd.to_numeric(events["laid_off"], errors="coerce").sum())
    only_people = float(pd.to_numeric(only["laid_off"], errors="coerce").sum())
    dates = pd.to_datetime(only["event_date"]) if len(only) else pd.Series(dtype="datetime64[ns]")
    return {"events": len(events), "people": people, "only_cb_events": len(only), "only_cb_people": only_people,
            "people_share": only_people / people if people else 0.0,
            "first": dates.min() if len(dates) else None, "last": dates.max() if len(dates) else None,
            "both": int((events["sources"] == "crunchbase_tracker+layoffs_fyi").sum())}


def coverage_text(events: pd.DataFrame | None) -> list[str]:
    """The paragraph of the tracker-coverage section."""
    cov = tracker_coverage(events)
    if cov is None:
        return ["No deduplicated layoff events; tracker coverage cannot be compared."]
    return [f"Of the {cov['events']:,} deduplicated layoff events, {cov['only_cb_events']:,} are reported by the "
            f"Crunchbase News tracker alone ({cov['only_cb_people']:,.0f} of {cov['people']:,.0f} people with a known "
            f"count, {cov['people_share']:.2%}) and {cov['both']:,} by both trackers; every other event comes from "
            "layoffs.fyi alone. The deduplicated series is therefore essentially layoffs.fyi's"
            + (f" (the Crunchbase-only events are dated {cov['first']:%Y-%m-%d} to {cov['last']:%Y-%m-%d})"
               if cov["only_cb_events"] else "")
            + ": a second tracker that mostly repeats the first is no independent check of it."]
