"""The pre-declared design: primary test, family of tests, regimes; fixed here before any result is looked at."""

from __future__ import annotations

import pandas as pd

# The one primary test, reported first whatever its value: monthly people laid off (deduplicated,
# global) vs notable AI models released, first differences, same month (lag 0).
PRIMARY_X, PRIMARY_Y, PRIMARY_TRANSFORM, PRIMARY_LAG = "laid_off", "notable_models", "diff", 0

# The family the false-discovery-rate adjustment runs over: every differenced test of the lag scan
# (all default pairs x these transforms x every lag, lag 0 included).
FAMILY_TRANSFORMS: tuple[str, ...] = ("diff", "log_diff")

ALPHA = 0.05

# Regimes of the layoff trackers, named in the report's first paragraph and used by the sensitivity table.
COVID_MONTHS = (pd.Timestamp("2020-03-01"), pd.Timestamp("2020-12-01"))   # the COVID-19 spike (layoffs.fyi's first year)
SPARSE_YEAR = 2021                                                           # few tracked events: a different regime
REGIME_TEXT = {
    "covid": "COVID-19 2020 (March-December 2020: the spike layoffs.fyi began with)",
    "sparse": "sparse 2021 (few events tracked: the trackers' coverage was thin, not the layoffs necessarily few)",
}


def is_primary(x: str, y: str, how: str, lag: int = 0) -> bool:
    """True for the pre-declared primary test."""
    return (x, y, how, lag) == (PRIMARY_X, PRIMARY_Y, PRIMARY_TRANSFORM, PRIMARY_LAG)


def in_covid(months: pd.Index | pd.Series) -> pd.Series:
    """Boolean mask of the COVID-19 months."""
    m = pd.to_datetime(pd.Series(months))
    return (m >= COVID_MONTHS[0]) & (m <= COVID_MONTHS[1])
