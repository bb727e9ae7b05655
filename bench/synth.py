"""Write synthetic source files at k x the reference rows (same names, formats and quirks) for the scale benchmark.

Usage: python bench/synth.py --factor 10 --out /tmp/synth10 [--reference ../shared/data] [--seed 7]

Rows are generated, not copied: company/model/organisation names and prose are invented, counts are
drawn from log-normal fits of the reference values, dates are reference dates jittered within the
reference range (never after it), categorical columns are sampled from the reference values.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime
from pathlib import Path

from synth_common import (
    FILES,
    company_pool,
    jitter_date,
    legal_variant,
    lognormal_fit,
    mdy,
    read_rows,
    write_csv,
)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data"


def _mdy_parse(text: str) -> date:
    fmt = "%m/%d/%y" if len(text.rsplit("/", 1)[-1]) == 2 else "%m/%d/%Y"
    return datetime.strptime(text.strip(), fmt).date()


def layoffs_fyi(ref: Path, out: Path, k: int, rng: random.Random) -> list[tuple[str, date, int | None]]:
    """The layoffs.fyi export at k x; returns (company, date, count) of every event for the tracker."""
    header, rows = read_rows(ref, "layoffs_fyi")
    col = {name: i for i, name in enumerate(header)}
    dates = [_mdy_parse(r[col["date"]]) for r in rows]
    lo, hi = min(dates), max(dates)
    added_hi = max(_mdy_parse(r[col["date_added"]]) for r in rows if r[col["date_added"]].strip())
    lags = [(_mdy_parse(r[col["date_added"]]) - d).days for r, d in zip(rows, dates) if r[col["date_added"]].strip()]
    counts = [float(r[col["total_laid_off"]]) for r in rows if r[col["total_laid_off"]].strip()]
    mu, sigma = lognormal_fit(counts)
    unknown_share = 1 - len(counts) / len(rows)
    funds = [float(r[col["funds_raised"]]) for r in rows if r[col["funds_raised"]].strip()]
    f_mu, f_sigma = lognormal_fit(funds)
    funds_empty = 1 - len(funds) / len(rows)
    places = [(r[col["location"]], r[col["country"]]) for r in rows]
    pcts = [r[col["percentage_laid_off"]] for r in rows]
    industries, stages = [r[col["industry"]] for r in rows], [r[col["stage"]] for r in rows]
    n = len(rows) * k
    distinct = len({r[col["company"]].strip().lower() for r in rows})
    pool = company_pool(rng, max(10, round(n * distinct / len(rows))))
    events, out_rows = [], []
    for i in range(n):
        company = rng.choice(pool)
        when = jitter_date(rng, rng.choice(dates), 10, lo, hi)
        count = None if rng.random() < unknown_share else max(1, round(rng.lognormvariate(mu, sigma)))
        added = min(date.fromordinal(when.toordinal() + rng.choice(lags)), added_hi)
        location, country = rng.choice(places)
        fund = "" if rng.random() < funds_empty else str(max(1, round(rng.lognormvariate(f_mu, f_sigma))))
        slug = company.lower().replace(" ", "-")
        record = {
            "company": company, "location": location, "total_laid_off": "" if count is None else f"{count}.0",
            "date": mdy(when), "percentage_laid_off": rng.choice(pcts), "industry": rng.choice(industries),
            "source": f"https://news.example.com/{when.year}/{when.month:02d}/{slug}-cuts-{i}",
            "stage": rng.choice(stages), "funds_raised": fund, "country": country, "date_added": mdy(added),
        }
        out_rows.append((when, [record[h] for h in header]))
        events.append((company, when, count))
    out_rows.sort(key=lambda t: t[0], reverse=True)
    write_csv(out / FILES["layoffs_fyi"], header, (r for _, r in out_rows))
    return events


def crunchbase(ref: Path, out: Path, k: int, rng: random.Random, fyi_events) -> int:
    """The 2022 tracker export at k x: most rows re-report a layoffs.fyi event (name variants, dates +/- 3 days)."""
    header, rows = read_rows(ref, "crunchbase")
    col = {name: i for i, name in enumerate(header)}
    dates = [_mdy_parse(r[col["Reported_date"]]) for r in rows]
    lo, hi = min(dates), max(dates)
    unclear_share = sum(r[col["Num_layoffs"]].strip() == "Unclear" for r in rows) / len(rows)
    notes_share = sum(bool(r[col["Notes"]].strip()) for r in rows) / len(rows)
    pcts = [r[col["Pct_impacted"]] for r in rows]
    sample = {h: [r[col[h]] for r in rows] for h in ("Industry", "HQ", "Source", "Company_status")}
    counts = [int(r[col["Num_layoffs"]].replace(",", "")) for r in rows
              if r[col["Num_layoffs"]].replace(",", "").strip().isdigit()]
    mu, sigma = lognormal_fit(counts)
    n = len(rows) * k
    in_window = [e for e in fyi_events if lo <= e[1] <= hi]
    matched = min(len(in_window), round(n * 357 / 379))  # 357 of the 379 reference rows pair with layoffs.fyi
    picks = rng.sample(in_window, matched)
    loners = company_pool(rng, n - matched + 10)
    seen: set[tuple] = set()
    out_rows = []
    for i in range(n):
        if i < matched:
            company, when, count = picks[i]
            name = legal_variant(rng, company)
            when = jitter_date(rng, when, 3, lo, hi)
            if count is not None and rng.random() < 0.2:
                count = max(1, round(count * rng.uniform(0.8, 1.2)))
        else:
            name, when = loners[i - matched], rng.choice(dates)
            count = max(1, round(rng.lognormvariate(mu, sigma)))
        num = "Unclear" if count is None or rng.random() < unclear_share * 0.5 else f"{count:,}"
        notes = ""
        if rng.random() < notes_share:
            notes = rng.choice(["The company laid off {n} people back in {m}.", "Second round of cuts this year.",
                                "Follows a hiring freeze announced in {m}.", "Closing its {m} office; {n} roles."]
                               ).format(n=rng.randint(5, 500), m=rng.choice(["March", "May", "July", "the spring"]))
        record = [name, num, rng.choice(pcts), mdy(when, short_year=True), rng.choice(sample["Industry"]),
                  rng.choice(sample["HQ"]), rng.choice(sample["Source"]), rng.choice(sample["Company_status"]), notes]
        while tuple(record) in seen:  # the parser rejects exact duplicates: move the report date
            when = jitter_date(rng, when, 5, lo, hi)
            record[3] = mdy(when, short_year=True)
        seen.add(tuple(record))
        out_rows.append((when, record))
    out_rows.sort(key=lambda t: t[0], reverse=True)
    return write_csv(out / FILES["crunchbase"], header, (r for _, r in out_rows), crlf=True)


def generate(ref: Path, out: Path, k: int, seed: int = 7) -> dict[str, int]:
    """Write all six files for factor k into `out`; returns rows written per file."""
    import synth_epoch
    import synth_indeed

    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 1000 + k)
    written = {}
    events = layoffs_fyi(ref, out, k, rng)
    written[FILES["layoffs_fyi"]] = len(events)
    written[FILES["crunchbase"]] = crunchbase(ref, out, k, rng, events)
    orgs = [e[0] for e in rng.sample(events, min(len(events), 200 * k))]  # some model makers also lay off
    written.update(synth_epoch.generate(ref, out, k, rng, orgs))
    written.update(synth_indeed.generate(ref, out, k, rng))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, required=True, help="rows per reference row (e.g. 10, 100)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the six files into")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="folder of the reference files")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.factor < 1:
        parser.error("--factor must be >= 1")
    missing = [f for f in FILES.values() if not (args.reference / f).is_file()]
    if missing:
        print(f"synth: reference file missing in {args.reference}: {missing[0]}", file=sys.stderr)
        return 2
    started = time.monotonic()
    written = generate(args.reference, args.out, args.factor, args.seed)
    for name, rows in written.items():
        print(f"  {name}: {rows:,} rows ({(args.out / name).stat().st_size / 1e6:,.1f} MB)")
    print(f"synth: factor {args.factor} written to {args.out} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
