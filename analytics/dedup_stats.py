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
# within-source rules (fct_layoff_events.duplicate_rules) and cross-source date rules (match_rule) of each row
REPEATS = ("repeat_same_count", "repeat_same_url")
SAME_PCT, CITED = "equal_pct_extended", "crunchbase_citation"


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").fillna(0)


def _split(value) -> list[str]:
    """A comma-separated lineage list; empty entries are kept ("" is one unknown count)."""
    return str(value).split(",") if pd.notna(value) else []


def _duplicates(ev: pd.DataFrame, cb: pd.Series, fyi: pd.Series) -> pd.DataFrame:
    """One row per collapsed duplicate: its rule and the people it would have added (its own known count). Marts
    without `duplicate_rules` / `duplicate_laid_off` (before those columns) read as same-listing repeats of the
    kept row's count."""
    none = pd.Series([None] * len(ev), index=ev.index, dtype=object)
    all_rules = ev["duplicate_rules"] if "duplicate_rules" in ev.columns else none
    all_counts = ev["duplicate_laid_off"] if "duplicate_laid_off" in ev.columns else none
    rows = []
    for refs, rule_list, count_list, kept_cb, kept_fyi in zip(ev["duplicate_refs"], all_rules, all_counts, cb, fyi):
        rules, counts = _split(rule_list), _split(count_list)
        for k, ref in enumerate(r for r in _split(refs) if r):   # refs are never empty; NULL and '' mean none
            kept = kept_fyi if ref.startswith("layoffs_fyi") else kept_cb
            own = pd.to_numeric(counts[k], errors="coerce") if k < len(counts) else kept
            rows.append({"rule": rules[k] if k < len(rules) else "same_listing",
                         "people": 0 if pd.isna(own) else int(own)})
    return pd.DataFrame(rows, columns=["rule", "people"])


def dedup_stats(events: pd.DataFrame) -> pd.DataFrame:
    """Rows: source rows in, one row per rule (within-source duplicates, repeats, cross-source pairs per match rule,
    same percentage, Crunchbase News citations, cumulative counts set aside), the two flags (dates contradicted by
    their URL, tracker events outside the U.S.), events out. `people` is the headcount each merging rule kept from
    being counted twice; for a flag, the people in the flagged events."""
    require_columns(events, LINEAGE, "fct_layoff_events")
    ev = events
    cb, fyi = _num(ev["crunchbase_laid_off"]), _num(ev["layoffs_fyi_laid_off"])
    dups = _duplicates(ev, cb, fyi)

    def within(rules) -> tuple[int, int]:
        hit = dups[dups["rule"].isin(rules)]
        return len(hit), int(hit["people"].sum())

    n, people = within(["same_listing"])
    rows = [{"rule": "source rows in", "detail": "Crunchbase tracker + layoffs.fyi rows",
             "rows": int(ev["crunchbase_ref"].notna().sum() + ev["layoffs_fyi_ref"].notna().sum() + len(dups)),
             "people": None, "note": "every row is referenced by exactly one event (dbt data test)"},
            {"rule": "within-source duplicates", "detail": "same company, date and count inside one source",
             "rows": n, "people": people, "note": "collapsed into the first row; ids kept in duplicate_refs"}]
    n, people = within(REPEATS)
    rows.append({"rule": "within-source repeats",
                 "detail": "same company and known count, or the same article URL, <= 3 days apart inside one source",
                 "rows": n, "people": people, "note": "people = the repeated rows' own known counts"})
    usable_cb = cb.where(ev["count_rule"] != "cumulative_set_aside", 0)   # set-aside sums are counted below
    avoided = usable_cb + fyi - _num(ev["laid_off"])
    date_rule = ev["match_rule"].astype("string").str.split("+", n=1).str[1]
    paired = ev[ev["match_rule"].notna() & ~date_rule.isin([SAME_PCT, CITED])]
    for rule, g in paired.groupby("match_rule", sort=True):
        name, date = str(rule).split("+", 1)
        rows.append({"rule": "cross-source pairs" if name == "same_key" else "cross-source pairs (fuzzy)",
                     "detail": f"{NAME_TEXT.get(name, name)}; {DATE_TEXT.get(date, date)}", "rows": len(g),
                     "people": int(avoided[g.index].sum()),
                     "note": "people = the count not kept (both known: the other source's)"})
    n, people = within(["same_percentage"])
    pct = ev.index[date_rule == SAME_PCT]
    rows.append({"rule": "same percentage", "detail": "same company and known percentage, <= 14 days apart, counts "
                 "not different (inside one source, or a tracker row and a layoffs.fyi row)",
                 "rows": n + len(pct), "people": people + int(avoided[pct].sum()),
                 "note": f"{n} within a source, {len(pct)} across the two"})
    cited = ev.index[date_rule == CITED]
    rows.append({"rule": "Crunchbase News citation",
                 "detail": "a layoffs.fyi row citing a news.crunchbase.com article and the tracker's row, <= 45 days "
                           "apart", "rows": len(cited), "people": int(avoided[cited].sum()),
                 "note": "people = the count not kept (both known: the other source's)"})
    aside = ev[ev["count_rule"] == "cumulative_set_aside"]
    rows.append({"rule": "cumulative counts set aside",
                 "detail": "tracker count summing rounds that layoffs.fyi lists one by one", "rows": len(aside),
                 "people": int(_num(aside["crunchbase_laid_off"]).sum()),
                 "note": "people = the sums set aside (the rounds stay counted as layoffs.fyi's events)"})
    if "date_conflict" in ev.columns:
        flagged = ev[ev["date_conflict"].fillna(False).astype(bool)]
        rows.append({"rule": "date contradicted by its URL",
                     "detail": "a row dated > 31 days outside the day or month its article URL states",
                     "rows": len(flagged), "people": int(_num(flagged["laid_off"]).sum()),
                     "note": "flag only: event_date unchanged; people = the flagged events' counts; not a merge"})
    if "country" in ev.columns:
        abroad = ev[ev["crunchbase_ref"].notna() & ev["country"].notna() & (ev["country"] != "United States")]
        rows.append({"rule": "U.S. scope from the country",
                     "detail": "tracker events that layoffs.fyi places outside the United States",
                     "rows": len(abroad), "people": int(_num(abroad["laid_off"]).sum()),
                     "note": "is_us false: scope comes from the country, not from the tracker; not a merge"})
    rows.append({"rule": "events out", "detail": "deduplicated events (marts.fct_layoff_events)", "rows": len(ev),
                 "people": int(_num(ev["laid_off"]).sum()), "note": "people = sum of the known counts"})
    return pd.DataFrame(rows, columns=COLUMNS).astype({"rows": "int64", "people": "Int64"})
