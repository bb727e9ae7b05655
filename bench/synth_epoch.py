"""Synthetic Epoch AI model lists (notable, all) at k x: invented models/orgs/prose, reference value distributions."""

from __future__ import annotations

import math
import random
import re
from datetime import date
from pathlib import Path

from synth_common import (
    FILES,
    TextMaker,
    company_pool,
    jitter_date,
    read_rows,
    word,
    write_csv,
)

_INT = re.compile(r"^\d+$")
_INT0 = re.compile(r"^-?\d+\.0$")
_FAMILIES = ["LM", "Net", "GPT", "Vision", "Diffusion", "BERT", "Coder", "Chat", "Former", "Seg", "Speech", "RL"]


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _specs(header: list[str], rows: list[list[str]]) -> dict[str, tuple]:
    """How to generate each column, learnt from the reference values of that column."""
    specs: dict[str, tuple] = {}
    for i, name in enumerate(header):
        values = [r[i] if i < len(r) else "" for r in rows if r and r[0].strip()]
        filled = [v for v in values if v.strip()]
        blank = 1 - len(filled) / max(1, len(values))
        mean_len = sum(map(len, filled)) / max(1, len(filled))
        if name in ("Model", "Organization", "Link", "Base model"):
            specs[name] = (name, blank)
        elif name == "Publication date":
            specs[name] = ("date", [date.fromisoformat(v.strip()) for v in filled], blank)
        elif filled and all(_is_float(v) for v in filled):
            style = "int" if all(_INT.match(v) for v in filled) else "int0" if all(_INT0.match(v) for v in filled) else "float"
            specs[name] = ("num", [float(v) for v in filled], blank, style)
        elif any("\n" in v for v in filled) or mean_len > 40 or (len(set(filled)) > 0.5 * len(filled) and mean_len > 12):
            specs[name] = ("text", [len(v) for v in filled], blank, sum("\n" in v for v in filled) / max(1, len(filled)))
        else:
            specs[name] = ("cat", values)
    return specs


def _value(spec: tuple, rng: random.Random, i: int, orgs: list[str], text: TextMaker) -> str:
    kind = spec[0]
    if kind == "Model":
        return f"{word(rng, 2).capitalize()}-{rng.choice(_FAMILIES)} {rng.choice((1, 3, 7, 13, 70))}B r{i:x}"
    if kind == "cat":
        return rng.choice(spec[1])
    if len(spec) > 1 and rng.random() < spec[-1 if kind in ("Organization", "Link", "Base model") else 2]:
        return ""
    if kind == "Organization":
        return rng.choice(orgs) if rng.random() > 0.1 else f"{rng.choice(orgs)},{rng.choice(orgs)}"
    if kind == "Link":
        return f"https://arxiv.org/abs/{rng.randint(15, 25)}{rng.randint(1, 12):02d}.{rng.randint(0, 99999):05d}"
    if kind == "Base model":
        return f"{word(rng, 2).capitalize()}-{rng.choice(_FAMILIES)}"
    if kind == "date":
        return jitter_date(rng, rng.choice(spec[1]), 30, date(1950, 1, 1), max(spec[1])).isoformat()
    if kind == "num":
        v = rng.choice(spec[1]) * math.exp(rng.gauss(0, 0.3))
        return str(round(v)) if spec[3] == "int" else f"{round(v)}.0" if spec[3] == "int0" else repr(float(f"{v:.4g}"))
    return text.make(rng.choice(spec[1]), newline=rng.random() < spec[3])


def _rows(header, specs, order, start, stop, seed, orgs, text):
    for i in range(start, stop):
        rng = random.Random(seed + i)
        values = {name: _value(specs[name], rng, i, orgs, text) for name in order}
        yield [values[h] for h in header]


def _blank_model_rows(header: list[str], rows: list[list[str]], k: int, rng: random.Random):
    """The reference 'all' list ends with a few records whose Model is blank (rejected by the parser)."""
    blanks = [r for r in rows if r and not r[0].strip()]
    for j in range(len(blanks) * k):
        template = rng.choice(blanks)
        stamp = f"2025-03-{rng.randint(1, 13):02d} {rng.randint(0, 23):02d}:{j % 60:02d}:{rng.randint(0, 59):02d}+00:00"
        yield [stamp if h == "Last modified" and v else v for h, v in zip(header, template)]


def generate(ref: Path, out: Path, k: int, rng: random.Random, layoff_companies: list[str]) -> dict[str, int]:
    """Write both Epoch lists; the first ~99% of notable models also appear (same values) in the all list."""
    n_header, n_rows = read_rows(ref, "epoch_notable")
    a_header, a_rows = read_rows(ref, "epoch_all")
    n_specs, a_specs = _specs(n_header, n_rows), _specs(a_header, a_rows)
    both = {**a_specs, **n_specs}  # shared models: notable distributions, all-only columns from the all list
    order = sorted(both)
    n_models = sum(1 for r in n_rows if r and r[0].strip())
    a_models = sum(1 for r in a_rows if r and r[0].strip())
    shared_names = {r[0] for r in n_rows} & {r[0] for r in a_rows if r and r[0].strip()}
    notable, shared = n_models * k, round(len(shared_names) * k)
    orgs = company_pool(rng, max(20, a_models * k // 2)) + layoff_companies
    text = TextMaker(random.Random(rng.random()))
    seed = rng.randrange(1 << 30)
    written = {FILES["epoch_notable"]: write_csv(
        out / FILES["epoch_notable"], n_header, _rows(n_header, both, order, 0, notable, seed, orgs, text))}

    def all_rows():
        yield from _rows(a_header, both, order, 0, shared, seed, orgs, text)
        yield from _rows(a_header, a_specs, sorted(a_specs), notable, notable + a_models * k - shared, seed, orgs, text)
        yield from _blank_model_rows(a_header, a_rows, k, rng)

    written[FILES["epoch_all"]] = write_csv(out / FILES["epoch_all"], a_header, all_rows())
    return written
