"""`analytics.dedup_stats`: what each deduplication rule did, counted from `marts.fct_layoff_events` lineage columns."""

from __future__ import annotations

import pandas as pd

from analytics.series import require_columns

COLUMNS = ["rule", "detail", "rows", "people", "note"]
LINEAGE = ["crunchbase_ref", "layoffs_fyi_ref", "count_rule", "match_rule", "duplicate_refs", "crunchbase_laid_off",
           "layoffs_fyi_laid_off", "laid_off"]
NAME_TEXT = {"same_key": "same normalised name", "edit_distance": "fuzzy name: edit distance <= 2",
             "token_containment": "fuzzy name: one name's words inside the other's"}
DATE_TEXT = {"within_window": "dates <= 7 days apart", "equal_count_extended": "equal counts, 8-21 days apart"}


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").fillna(0)


def dedup_stats(events: pd.DataFrame) -> pd.DataFrame:
    """Rows: source rows in, within-source duplicates collapsed, cross-source pairs per match rule, cumulative
    counts set aside, events out. `people` is the headcount each rule kept from being counted twice."""
    require_columns(events, LINEAGE, "fct_layoff_events")
    ev = events
    cb, fyi = _num(ev["crunchbase_laid_off"]), _num(ev["layoffs_fyi_laid_off"])
    dup_lists = pd.Series([[r for r in str(t).split(",") if r] if pd.notna(t) else [] for t in ev["duplicate_refs"]],
                          index=ev.index, dtype=object)
    dup_fyi = pd.Series([sum(r.startswith("layoffs_fyi") for r in refs) for refs in dup_lists], index=ev.index,
                        dtype="int64")
    dup_n = pd.Series([len(refs) for refs in dup_lists], index=ev.index, dtype="int64")
    dup_cb = dup_n - dup_fyi
    rows = [{"rule": "source rows in", "detail": "Crunchbase tracker + layoffs.fyi rows",
             "rows": int(ev["crunchbase_ref"].notna().sum() + ev["layoffs_fyi_ref"].notna().sum() + dup_n.sum()),
             "people": None, "note": "every row is referenced by exactly one event (dbt data test)"},
            {"rule": "within-source duplicates", "detail": "same company, date and count inside one source",
             "rows": int(dup_n.sum()), "people": int((dup_fyi * fyi + dup_cb * cb).sum()),
             "note": "collapsed into the first row; ids kept in duplicate_refs"}]
    usable_cb = cb.where(ev["count_rule"] != "cumulative_set_aside", 0)   # set-aside sums are counted below
    paired = ev[ev["match_rule"].notna()]
    for rule, g in paired.groupby("match_rule", sort=True):
        name, date = str(rule).split("+", 1)
        avoided = (usable_cb[g.index] + fyi[g.index] - _num(g["laid_off"])).sum()
        rows.append({"rule": "cross-source pairs" if name == "same_key" else "cross-source pairs (fuzzy)",
                     "detail": f"{NAME_TEXT.get(name, name)}; {DATE_TEXT.get(date, date)}", "rows": len(g),
                     "people": int(avoided), "note": "people = the count not kept (both known: the other source's)"})
    aside = ev[ev["count_rule"] == "cumulative_set_aside"]
    rows.append({"rule": "cumulative counts set aside",
                 "detail": "tracker count summing rounds that layoffs.fyi lists one by one", "rows": len(aside),
                 "people": int(_num(aside["crunchbase_laid_off"]).sum()),
                 "note": "people = the sums set aside (the rounds stay counted as layoffs.fyi's events)"})
    rows.append({"rule": "events out", "detail": "deduplicated events (marts.fct_layoff_events)", "rows": len(ev),
                 "people": int(_num(ev["laid_off"]).sum()), "note": "people = sum of the known counts"})
    return pd.DataFrame(rows, columns=COLUMNS).astype({"rows": "int64", "people": "Int64"})
