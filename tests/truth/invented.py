"""Small invented marts whose answers are known by hand, with their rows stored out of month order."""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")
STORED_ORDER = [3, 0, 5, 1, 4, 2]   # how the rows sit in the "mart": not month order
# laid off 10..60 (mean 35); notable models 4 a month with April missing (a gap, not a zero)
SIX_MONTHS = pd.DataFrame({"month": MONTHS, "laid_off": [10, 20, 30, 40, 50, 60],
                           "notable_models": [4, 4, 4, None, 4, 4]}).iloc[STORED_ORDER].reset_index(drop=True)
# By hand: index = value / 35 × 100; a point = mean of the month and the two before it, only if all three exist.
#   Mar (10+20+30)/3 = 20 -> 57.14..; Apr 30 -> 85.71..; May 40 -> 114.28..; Jun 50 -> 142.85..
#   notable: 4/4 × 100 = 100 in March only (April is missing, so Apr, May and Jun have no full window)
BY_HAND = {("Employees laid off", "2024-03-01"): 2000 / 35, ("Employees laid off", "2024-04-01"): 3000 / 35,
           ("Employees laid off", "2024-05-01"): 4000 / 35, ("Employees laid off", "2024-06-01"): 5000 / 35,
           ("Notable AI models released", "2024-03-01"): 100.0}


def shuffled(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The same rows in a random stored order."""
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def ai_cited_monthly() -> pd.DataFrame:
    """Two partial years: Mar–Dec 2024 and Jan–Feb 2025 (global and US rows)."""
    rng = np.random.default_rng(5)
    rows = []
    for m in pd.date_range("2024-03-01", "2025-02-01", freq="MS"):
        for scope in ("global", "us"):
            text = int(rng.integers(5, 30))
            cited = int(rng.binomial(text, 0.3 if m.year == 2025 else 0.02))
            strict = int(rng.integers(0, cited + 1))
            rows.append(dict(month=m, scope=scope, events=text + 2, events_with_text=text, ai_cited_events=cited,
                             ai_cited_share=cited / text, laid_off=text * 40, ai_cited_laid_off=cited * 55,
                             ai_reason_stated_events=strict, laid_off_with_text=text * 40,
                             ai_reason_stated_laid_off=strict * 55))
    return shuffled(pd.DataFrame(rows), 1)


def invented_frames() -> dict[str, pd.DataFrame]:
    """The marts the time charts read, from the synthetic marts of test_analytics_outputs, rows shuffled, with a
    postings month left out of the sector columns and of the total (as the mart marks them)."""
    from analytics.ai_attribution import ai_cited_yearly
    from tests.unit.test_analytics_outputs import synthetic_frames

    frames = synthetic_frames(seed=7)
    postings = frames["job_postings_monthly"].assign(sector_excluded_reason=None, total_excluded_reason=None)
    postings.loc[postings.index[-7], "total_excluded_reason"] = "partial month (invented)"
    postings.loc[postings.index[-8], "sector_excluded_reason"] = "partial month (invented)"
    frames["job_postings_monthly"] = postings
    frames["ai_cited_layoffs_monthly"] = ai_cited_monthly()
    # the chart reads analytics.ai_cited_yearly; the oracle recomputes it from the monthly mart on its own
    frames["ai_cited_yearly"] = ai_cited_yearly(frames["ai_cited_layoffs_monthly"])
    return {name: shuffled(frame, 3) for name, frame in frames.items()}
