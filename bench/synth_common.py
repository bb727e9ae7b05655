"""Shared helpers of the synthetic-data generator: reading the reference files, invented names and text."""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta
from pathlib import Path

FILES = {
    "crunchbase": "crunchbase_tracker_export_2022-11.csv",
    "layoffs_fyi": "layoffs_fyi_export_2026-01.csv",
    "epoch_notable": "epoch_notable_ai_models_2025-03.csv",
    "epoch_all": "epoch_all_ai_models_2025-03.csv",
    "indeed_sector": "indeed_postings_by_sector_us_2024-09.csv",
    "indeed_aggregate": "indeed_postings_aggregate_us_2026-08.csv",
}

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m", "n",
           "p", "pl", "qu", "r", "s", "sk", "st", "t", "tr", "v", "w", "x", "z", "zh", ""]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ai", "ea", "io", "ou"]
_CODAS = ["", "", "n", "r", "x", "l", "m", "s", "t", "ck", "nd", "sh", "rk", "ft"]
_TAILS = ["", "", "", "", " Labs", " AI", " Health", " Pay", " Bio", " Cloud", " Systems", " Robotics",
          " Energy", " Games", " Capital", " Security", " Media", " Data", " Foods", " Motors", "ly", "ify"]
_LEGAL = [", Inc.", " Inc", " Corp.", " LLC", " Ltd"]


def read_rows(folder: Path, key: str) -> tuple[list[str], list[list[str]]]:
    """Header and records of one reference file (read by path, never copied)."""
    with open(Path(folder) / FILES[key], newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [row for row in reader]


def word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))


def company_pool(rng: random.Random, n: int) -> list[str]:
    """`n` distinct invented company names ("Zentrox", "Quailor Health", ...)."""
    names: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        name = word(rng, rng.choice((1, 2, 2, 2, 3))).capitalize() + rng.choice(_TAILS)
        if len(name) >= 3 and name.lower() not in names:
            names.add(name.lower())
            out.append(name)
    return out


def legal_variant(rng: random.Random, name: str) -> str:
    """How another tracker might spell the same company: trailing spaces, a legal suffix, or as is."""
    roll = rng.random()
    if roll < 0.03:
        return name + "  "
    if roll < 0.07:
        return name + rng.choice(_LEGAL)
    return name


class TextMaker:
    """Invented prose (syllable words, commas, some quotes and blank lines) cut to a requested length."""

    def __init__(self, rng: random.Random, size: int = 400_000):
        vocab = [word(rng, rng.choice((1, 1, 2, 2, 3))) for _ in range(3000)]
        vocab += [",", ",", ".", ".", "(", ")", "%", "the", "of", "and", "model", "training", "we", "\"quoted\""]
        self.corpus = " ".join(rng.choices(vocab, k=size // 5))
        self.rng = rng

    def make(self, length: int, newline: bool = False) -> str:
        length = max(1, min(length, len(self.corpus) // 2))
        start = self.rng.randrange(0, len(self.corpus) - length)
        text = self.corpus[start:start + length].strip() or "x"
        if newline and len(text) > 20:
            cut = self.rng.randrange(5, len(text) - 5)
            text = text[:cut].rstrip() + "\n\n" + text[cut:].lstrip()
        return text


def jitter_date(rng: random.Random, base: date, days: int, lo: date, hi: date) -> date:
    d = base + timedelta(days=rng.randint(-days, days))
    return min(max(d, lo), hi)


def lognormal_fit(values: list[float]) -> tuple[float, float]:
    logs = [math.log(v) for v in values if v > 0]
    mu = sum(logs) / len(logs)
    sigma = math.sqrt(sum((x - mu) ** 2 for x in logs) / max(1, len(logs) - 1))
    return mu, sigma


def mdy(d: date, short_year: bool = False) -> str:
    return f"{d.month}/{d.day}/{d:%y}" if short_year else f"{d.month}/{d.day}/{d.year}"


def write_csv(path: Path, header: list[str], rows, crlf: bool = False) -> int:
    """Write header + rows (an iterable) with minimal quoting; returns the number of records."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n
