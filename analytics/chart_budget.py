"""Keep charts under MAX_MARKS marks: events as period × size-band cells, monthly series as coarser periods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.chart_files import MAX_MARKS

# (adjective for subtitles, noun, pandas period alias, Vega-Lite time unit), finest first
PERIODS = (("monthly", "month", "M", "yearmonth"), ("quarterly", "quarter", "Q", "yearquarter"),
           ("yearly", "year", "Y", "year"))
BANDS_PER_DECADE = 4
SEED = 0


def period_start(dates: pd.Series, alias: str) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period(alias).dt.to_timestamp()


def thin(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """At most `n` rows, sampled deterministically (fixed seed), in their original order."""
    return df if len(df) <= n else df.sample(n=n, random_state=SEED).sort_index()


def _band_label(low: float, high: float) -> str:
    return f"{low:,.0f}–{high:,.0f}"


def event_cells(events: pd.DataFrame, roll: pd.DataFrame, budget: int = MAX_MARKS
                ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Events (`event_date`, `laid_off` > 0, `kind`) counted per period × size band × kind.

    Returns (cells, line, note). Cells carry `event_date` (period start), `laid_off` (geometric middle of
    the band, for a log axis), `events`, `period`, `band`; `line` is `roll` (the trailing mean per event
    date) kept at the last event date of each period. The finest period whose cells and line fit in
    `budget` marks is used; if even yearly cells do not fit they are sampled. `note` says what was done.
    """
    band = np.floor(np.log10(events["laid_off"].to_numpy(dtype=float)) * BANDS_PER_DECADE)
    for adjective, noun, alias, _unit in PERIODS:
        start = period_start(events["event_date"], alias)
        cells = (events.assign(_start=start, _band=band).groupby(["_start", "_band", "kind"], observed=True)
                 .size().rename("events").reset_index())
        line = roll.assign(_p=period_start(roll["event_date"], alias)).groupby("_p").tail(1).drop(columns="_p")
        if len(cells) + len(line) <= budget:
            break
    low = 10 ** (cells["_band"] / BANDS_PER_DECADE)
    high = 10 ** ((cells["_band"] + 1) / BANDS_PER_DECADE)
    cells = cells.assign(
        event_date=cells["_start"], laid_off=np.sqrt(low * high),
        period=cells["_start"].dt.to_period(alias).astype(str),
        band=[_band_label(lo, hi) for lo, hi in zip(low, high)]).drop(columns=["_start", "_band"])
    note = f"{adjective} cells (circle area = events in the {noun} and size band)"
    if len(cells) + len(line) > budget:
        line = thin(line, budget // 2)
        total = len(cells)
        cells = thin(cells, budget - len(line))
        note += f", sampled {len(cells):,} of {total:,} cells"
    return cells, line, note


def coarsen_months(long: pd.DataFrame, keys: list[str], value: str, how: str, budget: int = MAX_MARKS
                   ) -> tuple[pd.DataFrame, str, str]:
    """Monthly rows (`month`, `keys`, `value`) aggregated (`how`: 'mean' or 'sum') to the finest period that fits.

    Returns (frame, Vega-Lite time unit of its `month`, note for the subtitle; '' when nothing changed).
    Falls back to a deterministic sample of the yearly rows when even those exceed `budget`.
    """
    if len(long) <= budget:
        return long, "yearmonth", ""
    what = "means" if how == "mean" else "totals"
    for adjective, _noun, alias, unit in PERIODS[1:]:
        out = (long.assign(month=period_start(long["month"], alias)).groupby(["month", *keys], observed=True)[value]
               .agg(how).reset_index())
        if len(out) <= budget:
            return out, unit, f"{len(long):,} monthly points shown as {adjective} {what}"
    sampled = thin(out, budget)
    return sampled, unit, f"{len(long):,} monthly points shown as yearly {what}, sampled {len(sampled):,} of {len(out):,}"
