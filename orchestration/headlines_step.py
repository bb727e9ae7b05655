"""The opt-in headline step: fetch titles of 'unknown' source URLs (when LAYOFFS_AI_FETCH_HEADLINES=1), load raw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb

from ingestion import headlines
from ingestion.snapshot import SnapshotStore
from safetext import safe_line
from warehouse.headlines_load import candidate_urls, ensure_table, replace_rows

from .settings import Settings

OFF_MESSAGE = ("LAYOFFS_AI_FETCH_HEADLINES is off (the default): no article is fetched and "
               "raw.article_headlines is left empty, so attribution reads URL slugs only")


@dataclass(frozen=True)
class HeadlineStep:
    """What one run of the step did."""

    enabled: bool
    candidates: int = 0  # 'unknown' source URLs of the last build
    fetched: int = 0  # attempts made this run (each URL once, ever)
    titles: int = 0  # rows of raw.article_headlines with a title
    rows: int = 0  # rows of raw.article_headlines
    snapshot: str | None = None  # the snapshot this run's attempts were stored in


def run_headlines(settings: Settings, con: duckdb.DuckDBPyConnection, log: Callable[[str], None] = print,
                  config: headlines.HeadlineConfig | None = None) -> HeadlineStep:
    """Off: make sure raw.article_headlines exists and is empty. On: fetch the titles of the last build's
    'unknown' URLs not cached yet (politely, within the per-run cap), store them as a new snapshot, and load
    every cached attempt into raw.article_headlines."""
    if not settings.fetch_headlines:
        ensure_table(con)
        replace_rows(con, [])
        log(OFF_MESSAGE)
        return HeadlineStep(enabled=False)
    config = config or headlines.HeadlineConfig(budget_s=settings.headlines_budget_s)
    allowed = config.http.allow_hosts | settings.http.allow_hosts
    config = replace(config, http=replace(config.http, user_agent=settings.http.user_agent, allow_hosts=allowed))
    store = SnapshotStore(settings.raw_dir)
    urls = candidate_urls(con)
    done = {h.url for _, attempts in headlines.cached(store) for h in attempts}
    fetcher = headlines.TitleFetcher(config)
    try:
        new = fetcher.fetch_new(urls, done, on_each=lambda h: log(safe_line(
            f"headline {h.status}: {h.url}" + (f" ({h.error})" if h.error else ""))))
    finally:
        fetcher.close()
    left = len([u for u in dict.fromkeys(urls) if u not in done]) - len(new)
    snapshot = headlines.save(store, new)
    rows = [(h.url, h.status, h.title, h.fetched_at, h.http_status, h.final_url, h.error,
             headlines.DATASET_ID, snap.sha256, number)
            for snap, attempts in headlines.cached(store) for number, h in enumerate(attempts, start=1)]
    held = replace_rows(con, rows)
    titles = con.execute("SELECT count(*) FROM raw.article_headlines WHERE title IS NOT NULL").fetchone()[0]
    budget = (f" (the step's budget of {config.budget_s:g} s, LAYOFFS_AI_HEADLINES_BUDGET_S, was used up)"
              if fetcher.budget_used else "")
    log(f"headlines: {len(urls)} unknown source URL(s) in the last build, {len(new)} fetched now "
        f"({fetcher.requests} request(s) incl. robots.txt), {left} left for later runs{budget}; "
        f"raw.article_headlines holds {held} URL(s), {titles} with a title")
    return HeadlineStep(True, len(urls), len(new), titles, held, str(snapshot.path) if snapshot else None)
