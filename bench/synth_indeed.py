"""Synthetic Indeed postings files at k x: same daily date range, more series (sectors / countries), generated values."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from pathlib import Path

from synth_common import FILES, read_rows, write_csv

_REGIONS = ["Northeast", "Mid-Atlantic", "Southeast", "Midwest", "Great Lakes", "Plains", "Southwest",
            "Mountain", "Pacific", "Alaska & Hawaii", "Gulf Coast"]
_LEVELS = ["Entry", "Junior", "Mid", "Senior", "Lead", "Principal", "Contract", "Part-time", "Remote"]
_COUNTRIES = ("GB CA DE FR AU IE NL ES IT JP SG IN BR MX PL SE CH AT BE DK NO FI PT NZ ZA AE SA IL TR CZ HU RO GR "
              "AR CL CO PE KR HK TW MY TH PH ID VN PK NG KE EG MA UA BG HR RS SK SI LT LV EE LU IS MT CY QA KW "
              "BH OM JO LB CR PA UY PY BO EC VE DO GT HN SV NI JM TT BS BB PR KZ UZ GE AM AZ BD LK NP MN KH LA "
              "MM BN FJ PG GH CI SN TZ UG ZM ZW BW NA MU").split()


def _walk(rng: random.Random, template: list[float]) -> list[str]:
    """A new daily series shaped like `template` (100 on the base day) with its own slow drift and noise."""
    drift, out = 1.0, []
    for t, base in enumerate(template):
        if t:
            drift *= math.exp(rng.gauss(0, 0.002))
            base = base * drift * (1 + rng.gauss(0, 0.002))
        out.append(f"{round(base, 2):g}")
    return out


def _sector_names(real: list[str], k: int) -> list[str]:
    names = list(real)
    combos = [f"{region} / {level}" for region in _REGIONS for level in _LEVELS]
    for block in range(1, k):
        names += [f"{name} ({combos[(block - 1) % len(combos)]})" for name in real]
    return names


def by_sector(ref: Path, out: Path, k: int, rng: random.Random) -> int:
    header, rows = read_rows(ref, "indeed_sector")
    col = {name: i for i, name in enumerate(header)}
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in rows:
        series[r[col["display_name"]]].append((r[col["date"]], float(r[col["indeed_job_postings_index"]])))
    real = list(series)
    if k > 1 + 11 * 9:
        raise ValueError(f"indeed by sector: factor {k} needs more sector name variants than defined")

    def records():
        for name in _sector_names(real, k):
            template = series[rng.choice(real)]
            dates = [d for d, _ in template]
            for d, v in zip(dates, _walk(rng, [v for _, v in template])):
                record = {"date": d, "jobcountry": "US", "indeed_job_postings_index": v,
                          "variable": "total postings", "display_name": name}
                yield [record[h] for h in header]

    return write_csv(out / FILES["indeed_sector"], header, records())


def aggregate(ref: Path, out: Path, k: int, rng: random.Random) -> int:
    header, rows = read_rows(ref, "indeed_aggregate")
    col = {name: i for i, name in enumerate(header)}
    by_variable: dict[str, list[list[str]]] = defaultdict(list)
    for r in rows:
        by_variable[r[col["variable"]]].append(r)
    if k - 1 > len(_COUNTRIES):
        raise ValueError(f"indeed aggregate: factor {k} needs more country codes than defined")

    def records():
        for country in ["US", *_COUNTRIES[: k - 1]]:
            for variable, template in by_variable.items():
                sa = _walk(rng, [float(r[col["indeed_job_postings_index_SA"]]) for r in template])
                nsa = _walk(rng, [float(r[col["indeed_job_postings_index_NSA"]]) for r in template])
                for r, s, n in zip(template, sa, nsa):
                    record = {"date": r[col["date"]], "jobcountry": country, "indeed_job_postings_index_SA": s,
                              "indeed_job_postings_index_NSA": n, "variable": variable}
                    yield [record[h] for h in header]

    return write_csv(out / FILES["indeed_aggregate"], header, records())


def generate(ref: Path, out: Path, k: int, rng: random.Random) -> dict[str, int]:
    return {FILES["indeed_sector"]: by_sector(ref, out, k, rng), FILES["indeed_aggregate"]: aggregate(ref, out, k, rng)}
