"""Runtime settings, read from the environment once, where resources are built (never at import)."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import duckdb

from ingestion.http import HttpConfig
from ingestion.outbound import parse_allow_hosts
from sqlcli.query import DEFAULT_MEMORY_LIMIT as SQL_MEMORY_DEFAULT

# Every LAYOFFS_AI_* variable the pipeline reads (LAYOFFS_AI_URL_<DATASET> is a family of them) ...
PIPELINE_VARIABLES = (
    "LAYOFFS_AI_HOME", "LAYOFFS_AI_SNAPSHOT_DIR", "LAYOFFS_AI_HTTP_TIMEOUT", "LAYOFFS_AI_HTTP_MAX_BYTES",
    "LAYOFFS_AI_FETCH_DEADLINE_S", "LAYOFFS_AI_MAX_ROW_DROP", "LAYOFFS_AI_STALE_AFTER_HOURS",
    "LAYOFFS_AI_ALERT_WEBHOOK", "LAYOFFS_AI_FETCH_HEADLINES", "LAYOFFS_AI_DUCKDB_MEMORY_LIMIT",
    "LAYOFFS_AI_SQL_MEMORY_LIMIT",
    "LAYOFFS_AI_FETCH_ALLOW_HOSTS", "LAYOFFS_AI_HEADLINES_BUDGET_S", "LAYOFFS_AI_AIRTABLE_BROWSER",
    "LAYOFFS_AI_WARN_STATES",
)
# ... and the ones only docker-compose.yml or the test suite read.
OTHER_VARIABLES = ("LAYOFFS_AI_UI_BIND", "LAYOFFS_AI_UI_PORT", "LAYOFFS_AI_IMAGE", "LAYOFFS_AI_REFERENCE_DIR")
KNOWN_VARIABLES = PIPELINE_VARIABLES + OTHER_VARIABLES
URL_PREFIX = "LAYOFFS_AI_URL_"  # e.g. LAYOFFS_AI_URL_LAYOFFS_FYI=https://.../export.csv
# LAYOFFS_AI_HOME when unset: the data/ folder of the project checkout this code runs from, whatever the
# working directory (the package is installed editable from the checkout; docker sets LAYOFFS_AI_HOME=/data)
DEFAULT_HOME = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline writes, where it reads source files from, and how it downloads."""

    home: Path
    snapshot_dir: Path | None
    url_overrides: dict[str, str] = field(default_factory=dict)  # dataset id -> live URL
    http: HttpConfig = field(default_factory=HttpConfig)
    max_row_drop: float = 0.2  # a source whose accepted rows fall by more blocks the publish
    dbt_threads: int = field(default_factory=lambda: os.cpu_count() or 2)  # one dbt thread per core
    duckdb_memory_limit: str = "1GB"  # per DuckDB process of a run (the loader's, dbt's); beyond it DuckDB spills
    sql_memory_limit: str = SQL_MEMORY_DEFAULT  # per `layoffs-ai sql` query; beyond it DuckDB spills to $TMPDIR
    stale_after_hours: float = 26.0  # the published warehouse and each source count as stale after this
    alert_webhook: str | None = None  # a failed run POSTs a JSON message here (and always logs alerts.log)
    fetch_headlines: bool = False  # opt-in: fetch each unknown source article's <title> once (docs/ai_attribution.md)
    headlines_budget_s: float = 300.0  # wall-clock budget of the title step, robots.txt and waits included
    warnings: tuple[str, ...] = ()  # e.g. a misspelt LAYOFFS_AI_* variable
    dagster_home_override: Path | None = None  # $DAGSTER_HOME when set
    # WARN states this home fetches and loads (LAYOFFS_AI_WARN_STATES; default: every state ingestion/sources/warn.py
    # declares): an unselected state's dataset is neither fetched nor loaded, and its rows leave the warehouse
    warn_states: tuple[str, ...] = field(default_factory=lambda: tuple(_warn_states_declared()))

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def charts_dir(self) -> Path:
        return self.home / "charts"

    @property
    def report_dir(self) -> Path:
        return self.home / "report"

    @property
    def dagster_home(self) -> Path:
        """Dagster's instance folder: $DAGSTER_HOME, else a persistent $LAYOFFS_AI_HOME/dagster_home."""
        return self.dagster_home_override or self.home / "dagster_home"

    @property
    def datasets(self) -> tuple[str, ...]:
        """The dataset ids a run fetches and loads, in registry order: every declared one but the WARN states
        LAYOFFS_AI_WARN_STATES leaves out."""
        from ingestion import sources
        from ingestion.sources import warn

        off = {state.dataset_id for code, state in warn.STATES.items() if code not in self.warn_states}
        return tuple(d for d in sources.DATASETS if d not in off)

    @property
    def mode(self) -> str:
        return f"offline snapshots from {self.snapshot_dir}" if self.snapshot_dir else "live fetching"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = Path(env.get("LAYOFFS_AI_HOME") or DEFAULT_HOME).expanduser().resolve()
        snap = env.get("LAYOFFS_AI_SNAPSHOT_DIR") or None
        snapshot_dir = Path(snap).expanduser().resolve() if snap else None
        if snapshot_dir is not None and not snapshot_dir.is_dir():
            raise ValueError(f"LAYOFFS_AI_SNAPSHOT_DIR={snap} is not a directory")
        overrides = {k[len(URL_PREFIX):].lower(): v for k, v in env.items() if k.startswith(URL_PREFIX) and v}
        http = replace(HttpConfig.from_env(env),
                       allow_hosts=parse_allow_hosts(env.get("LAYOFFS_AI_FETCH_ALLOW_HOSTS") or ""),
                       airtable_browser=_flag(env, "LAYOFFS_AI_AIRTABLE_BROWSER"))
        return cls(home=home, snapshot_dir=snapshot_dir, url_overrides=overrides, http=http,
                   max_row_drop=_fraction(env, "LAYOFFS_AI_MAX_ROW_DROP", 0.2),
                   stale_after_hours=_positive(env, "LAYOFFS_AI_STALE_AFTER_HOURS", 26.0),
                   alert_webhook=(env.get("LAYOFFS_AI_ALERT_WEBHOOK") or "").strip() or None,
                   fetch_headlines=_flag(env, "LAYOFFS_AI_FETCH_HEADLINES"),
                   headlines_budget_s=_positive(env, "LAYOFFS_AI_HEADLINES_BUDGET_S", 300.0),
                   duckdb_memory_limit=_memory_size(env, "LAYOFFS_AI_DUCKDB_MEMORY_LIMIT", "1GB"),
                   sql_memory_limit=_memory_size(env, "LAYOFFS_AI_SQL_MEMORY_LIMIT", SQL_MEMORY_DEFAULT),
                   dagster_home_override=Path(env["DAGSTER_HOME"]).resolve() if env.get("DAGSTER_HOME") else None,
                   warn_states=_warn_states(env),
                   warnings=tuple(unknown_variable_warnings(env)))


def _number(env: Mapping[str, str], name: str, default: float, ok, wanted: str) -> float:
    """`name` as a number that `ok` accepts, `default` when unset; anything else is one clear error."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not ok(value):
        raise ValueError(f"{name}={text!r} is not {wanted}")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, lambda v: v > 0, "a positive number")


def _flag(env: Mapping[str, str], name: str) -> bool:
    """Off unless set to 1/true/yes/on; anything else but 0/false/no/off or empty is an error."""
    text = (env.get(name) or "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={text!r} is not 1 (on) or 0 (off)")


def _memory_size(env: Mapping[str, str], name: str, default: str) -> str:
    """`name` as a DuckDB `memory_limit` (e.g. 1GB, 512MiB, 50%), asked of DuckDB itself; `default` when unset."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        duckdb.connect(config={"memory_limit": text}).close()
    except duckdb.Error:
        raise ValueError(f"{name}={text!r} is not a memory size DuckDB accepts (e.g. 1GB, 512MB or 50%)") from None
    return text


def _warn_states_declared() -> list[str]:
    from ingestion.sources import warn

    return list(warn.STATES)


def _warn_states(env: Mapping[str, str]) -> tuple[str, ...]:
    """LAYOFFS_AI_WARN_STATES: state codes separated by commas or spaces (any case), `none` for no WARN state;
    unset or blank: every declared state. An undeclared state is one clear error naming the declared ones."""
    text = (env.get("LAYOFFS_AI_WARN_STATES") or "").strip().lower()
    declared = _warn_states_declared()
    if not text:
        return tuple(declared)
    if text == "none":
        return ()
    wanted = list(dict.fromkeys(code for code in text.replace(",", " ").split()))
    unknown = [code for code in wanted if code not in declared]
    if unknown:
        raise ValueError(f"LAYOFFS_AI_WARN_STATES={text!r}: {', '.join(unknown)} "
                         f"{'is not a declared state' if len(unknown) == 1 else 'are not declared states'} "
                         f"(declared states: {', '.join(declared)}; `none` for no WARN state; adding one: "
                         "ingestion/sources/warn.py STATES)")
    return tuple(code for code in declared if code in wanted)


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, lambda v: 0 <= v <= 1, "a fraction between 0 and 1 (e.g. 0.2 for 20%)")


def unknown_variable_warnings(env: Mapping[str, str]) -> list[str]:
    """One warning per LAYOFFS_AI_* variable nobody reads, naming the closest known one."""
    out = []
    for name in sorted(k for k in env if k.startswith("LAYOFFS_AI_")):
        if name in KNOWN_VARIABLES or name.startswith(URL_PREFIX):
            continue
        close = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(KNOWN_VARIABLES)})"
        out.append(f"warning: {name} is not a layoffs-ai setting and is ignored{hint}")
    return out


def environment_warnings() -> list[str]:
    """`unknown_variable_warnings` of this process's environment (the CLI prints them once at start)."""
    return unknown_variable_warnings(os.environ)


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment of a child process (e.g. `dg dev`): this process's, plus `overrides`; ours is never changed."""
    return {**os.environ, **overrides}
