"""Draw the fresh random sample of issue 23 from a published warehouse: frozen strata, fixed seed, no tune row."""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import duckdb
import numpy as np

SEED = 20261207  # numpy default_rng seed: the draw's date; never change it (the sample is frozen as a seed)
PER_YEAR = {2020: 55, 2021: 15, 2022: 100, 2023: 100, 2024: 60, 2025: 80, 2026: 15}  # rule outcome `none`
REPO = Path(__file__).resolve().parents[1]
TUNE_SEED = REPO / "dbt_project" / "seeds" / "ai_attribution_labels.csv"
POPULATION_SQL = """
select a.source_event_id, a.source, a.company, a.event_date, a.source_url, a.frame_stratum, a.ai_attribution,
       year(a.event_date) as frame_year, c.notes
from intermediate.int_layoffs__ai_attribution as a
left join staging.stg_crunchbase_tracker__layoffs as c on c.source_row_id = a.source_event_id
where a.frame_stratum in ('ai_term', 'no_ai_term') and year(a.event_date) between 2020 and 2026
order by a.source_event_id
"""


def row_key(source: str, company: str, event_date: str, url: str | None) -> str:
    """The key a labelled row is stored under: md5 of source|company|date|url (no source text in the repo)."""
    return hashlib.md5(f"{source}|{company}|{event_date}|{url or ''}".encode()).hexdigest()


def draw(warehouse: Path) -> tuple[list[dict], dict[tuple[int, str], int]]:
    """Rows of the fresh sample (census of rule positives, `PER_YEAR` of `none` rows) and every stratum's size."""
    con = duckdb.connect(str(warehouse), read_only=True)
    cols = [d[0] for d in con.execute(POPULATION_SQL).description]
    rows = [dict(zip(cols, r)) for r in con.execute(POPULATION_SQL).fetchall()]
    for r in rows:
        r["event_date"] = str(r["event_date"])
        r["row_key"] = row_key(r["source"], r["company"], r["event_date"], r["source_url"])
    with open(TUNE_SEED, newline="") as handle:
        tune = {row_key(t["source"], t["company"], t["event_date"], t["url"] or None) for t in csv.DictReader(handle)}
    keys = [r["row_key"] for r in rows]
    dup = {k for k in keys if keys.count(k) > 1}  # two identical source rows: one key, not sampled
    frame = [r for r in rows if r["row_key"] not in tune and r["row_key"] not in dup]
    strata: dict[tuple[int, str], list[dict]] = {}
    for r in frame:
        outcome = "rule_none" if r["ai_attribution"] == "none" else f"rule_{r['ai_attribution']}"
        strata.setdefault((r["frame_year"], outcome), []).append(r)
    rng = np.random.default_rng(SEED)
    chosen = []
    for (year, outcome), members in sorted(strata.items()):
        take = PER_YEAR[year] if outcome == "rule_none" else len(members)  # rule positives: census
        picks = rng.choice(len(members), size=min(take, len(members)), replace=False)
        for i in sorted(picks):
            chosen.append(members[i] | {"stratum": f"{year}:{outcome}"})
    return chosen, {k: len(v) for k, v in strata.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path, help="a published warehouse.duckdb built from the reference data")
    parser.add_argument("--packet", type=Path, required=True, help="labelling packet (outside the repo)")
    args = parser.parse_args()
    chosen, sizes = draw(args.warehouse)
    out = REPO / "dbt_project" / "seeds" / "ai_attribution_fresh_sample.csv"
    with open(out, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row_key", "source", "frame_year", "stratum", "stratum_population"])
        for r in sorted(chosen, key=lambda r: r["row_key"]):
            year, outcome = r["stratum"].split(":")
            writer.writerow([r["row_key"], r["source"], year, r["stratum"], sizes[(int(year), outcome)]])
    print(f"{len(chosen)} rows drawn into {out}; strata: " +
          ", ".join(f"{y}:{o}={n}" for (y, o), n in sorted(sizes.items())))
    with open(args.packet, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row_key", "company", "date", "headline_url", "tracker_notes"])
        for r in chosen:
            writer.writerow([r["row_key"], r["company"], r["event_date"], r["source_url"] or "", r["notes"] or ""])


if __name__ == "__main__":
    main()
