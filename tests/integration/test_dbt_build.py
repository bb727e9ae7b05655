"""`dbt build` of dbt_project/ over warehouses ingested from the fixtures and from the reference data."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.support.dedup_python import Row, company_key, duplicates, match

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
MARTS = ("fct_source_layoffs", "fct_layoff_events", "layoffs_monthly", "fct_model_releases",
         "model_releases_monthly", "job_postings_monthly", "layoffs_vs_ai_monthly", "layoff_count_stats",
         "ai_cited_layoffs_monthly", "ai_attribution_sample", "fct_warn_notices", "tracker_state_events",
         "warn_tracker_matches", "warn_monthly")


def _ingest(snapshot_dir: Path, home: Path) -> Path:
    """Build raw.* with the project's own loader (`layoffs-ai ingest`) into home/warehouse.duckdb."""
    if importlib.util.find_spec("orchestration.cli") is None:
        pytest.skip("orchestration.cli (the raw loader's CLI) is not written yet")
    env = {**os.environ, "LAYOFFS_AI_HOME": str(home), "LAYOFFS_AI_SNAPSHOT_DIR": str(snapshot_dir)}
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "ingest"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"ingest failed:\n{proc.stdout}\n{proc.stderr}"
    return home / "warehouse.duckdb"


def _dbt_build(warehouse: Path, work: Path) -> tuple[Path, list[dict]]:
    """Copy the warehouse into `work`, run `dbt build` on the copy; return (copy, run results)."""
    db = work / "dbt_build.duckdb"
    shutil.copyfile(warehouse, db)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(DBT), "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target", "pipeline", "--vars", json.dumps({"warehouse_path": str(db)}),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return db, results


@pytest.fixture(scope="module", params=["csv", "html"])
def fixture_build(request, tmp_path_factory):
    """Fixture snapshots; `html` swaps the tracker's CSV export for a saved tracker web page."""
    if importlib.util.find_spec("tests.support.fixture_snapshots") is None:
        pytest.skip("tests/support/fixture_snapshots.py is missing")
    from tests.support.fixture_snapshots import FIXTURES, make_fixture_snapshot_dir

    work = tmp_path_factory.mktemp(f"dbt_fixtures_{request.param}")
    snapshots = make_fixture_snapshot_dir(work / "snapshots")
    if request.param == "html":
        for path in snapshots.glob("crunchbase_tracker*"):
            path.unlink()
        shutil.copyfile(FIXTURES / "crunchbase_tracker" / "page_with_tables.html",
                        snapshots / "crunchbase_tracker_page.html")
    db, results = _dbt_build(_ingest(snapshots, work / "home"), work)
    return request.param, db, results


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory):
    from tests.conftest import reference_data_dir

    ref = reference_data_dir()
    if not ref.is_dir():
        pytest.skip(f"reference data not found at {ref}")
    work = tmp_path_factory.mktemp("dbt_reference")
    return _dbt_build(_ingest(ref, work / "home"), work)


def _q(db: Path, sql: str, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


# ---- checks shared by both builds -------------------------------------------------------------

def _check_everything_ran(results: list[dict]) -> None:
    bad = [(r["unique_id"], r["status"]) for r in results if r["status"] not in ("success", "pass")]
    assert not bad, bad
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "unit_test"} <= kinds
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    names = " ".join(r["unique_id"] for r in unit)
    for needle in ("near_miss", "two_rounds", "count_rule", "parses_counts_percentages_dates",
                   "layoffs_fyi_parses", "normalising_equal", "ai_attribution_bad_input_is_unknown",
                   "ai_attribution_company_names_never_count_alone", "ai_cited_monthly_share",
                   "repeats_a_few_days_apart", "same_percentage_within_a_fortnight", "url_date_conflict",
                   "crunchbase_citations", "source_urls_date_conflict", "ai_attribution_strict_needs_a_stated_cause",
                   "warn_names_match_by_dedup_key_or_legal_name_alias", "warn_tracker_location_places_a_row",
                   "warn_match_window_edges", "warn_match_needs_the_same_state_and_company",
                   "warn_many_notices_of_one_round", "warn_monthly_months_without_notices"):
        assert needle in names, f"unit test *{needle}* did not run"


def _check_schemas_and_comments(db: Path) -> None:
    schemas = {r[0] for r in _q(db, "SELECT DISTINCT schema_name FROM duckdb_tables() "
                                    "UNION SELECT DISTINCT schema_name FROM duckdb_views() WHERE NOT internal")}
    assert {"raw", "staging", "intermediate", "marts"} <= schemas
    assert not {s for s in schemas if s.startswith("main_")}, schemas
    tables = dict(_q(db, "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts'"))
    assert set(MARTS) <= set(tables)
    assert all(tables[m] for m in MARTS), {m: tables[m] for m in MARTS if not tables[m]}
    missing = _q(db, "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                     "AND (comment IS NULL OR comment = '')")
    assert missing == []
    staged = _q(db, "SELECT count(*), count(comment) FROM duckdb_tables() WHERE schema_name = 'staging'")[0]
    assert staged[0] >= 6 and staged[0] == staged[1]


def _check_loses_nothing(db: Path) -> None:
    # staging holds the rows that typed cleanly (the others are typing rejects in staging.rejects)
    raw_fyi = _q(db, "SELECT count(*), coalesce(sum(laid_off), 0) FROM staging.stg_layoffs_fyi__layoffs")[0]
    raw_cb = _q(db, "SELECT count(*), coalesce(sum(laid_off), 0) FROM staging.stg_crunchbase_tracker__layoffs")[0]
    dups = dict((s, (e, l)) for s, e, l in _q(
        db, "SELECT source, count(*), coalesce(sum(laid_off), 0) FROM marts.fct_source_layoffs "
            "WHERE duplicate_of IS NOT NULL GROUP BY source"))
    got = dict((s, (e, l)) for s, e, l in _q(
        db, "SELECT source, sum(events), coalesce(sum(laid_off), 0) FROM marts.layoffs_monthly "
            "WHERE scope = 'global' GROUP BY source"))
    assert raw_fyi[1] > 0 and raw_cb[1] > 0
    for source, raw in (("layoffs_fyi", raw_fyi), ("crunchbase_tracker", raw_cb)):
        d = dups.get(source, (0, 0))
        assert got[source] == (raw[0] - d[0], raw[1] - d[1]), source   # duplicates are not events
    # each source row is referenced by exactly one deduplicated event: as a ref or as a collapsed duplicate
    refs = _q(db, "SELECT count(crunchbase_ref), count(layoffs_fyi_ref), count(*), "
                  "coalesce(sum(len(string_split(duplicate_refs, ','))), 0) FROM marts.fct_layoff_events")[0]
    assert refs[0] + refs[1] + refs[3] == raw_cb[0] + raw_fyi[0]
    assert refs[3] == sum(e for e, _ in dups.values())
    assert got["deduplicated"][0] == refs[2]


def _complete_months(first: date, last: date) -> tuple[date, date]:
    """First and last complete calendar months of data running from `first` to `last`."""
    start = first.replace(day=1) if first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end_next = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = last.replace(day=1) if last == end_next - timedelta(days=1) else (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    return start, end


def _minus_months(month: date, n: int) -> date:
    k = month.year * 12 + month.month - 1 - n
    return date(k // 12, k % 12 + 1, 1)


def _check_vs_ai_continuous(db: Path) -> None:
    months = [r[0] for r in _q(db, "SELECT month FROM marts.layoffs_vs_ai_monthly ORDER BY month")]
    assert months, "layoffs_vs_ai_monthly is empty"
    assert all(m.day == 1 for m in months)
    assert len(months) == len(set(months)) == _months_between(months[0], months[-1])
    # the range: complete months of the layoff data (both trackers) and of at least one Epoch list,
    # the latter without the coverage-lag months before its latest publication date
    lags = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())["vars"]["epoch_coverage_lag_months"]
    layoffs = _complete_months(*_q(db, """SELECT min(d), max(d) FROM (
        SELECT reported_date AS d FROM staging.stg_crunchbase_tracker__layoffs UNION ALL
        SELECT reported_date FROM staging.stg_layoffs_fyi__layoffs)""")[0])
    lists = []
    for dataset in ("notable", "all"):
        first, last = _q(db, "SELECT min(publication_date), max(publication_date) FROM staging.stg_epoch__models "
                             "WHERE dataset = ?", [dataset])[0]
        start, end = _complete_months(first, last)
        window = (start, min(end, _minus_months(last.replace(day=1), lags[dataset])))
        lists += [window] if window[0] <= window[1] else []
        outside = _q(db, f"SELECT count(*) FROM marts.layoffs_vs_ai_monthly WHERE {dataset}_models IS NOT NULL "
                         "AND (month < ? OR month > ?)", list(window))[0][0]
        assert outside == 0, f"{dataset}_models has values outside its window"
    assert months[0] == max(layoffs[0], min(s for s, _ in lists))
    assert months[-1] == min(layoffs[1], max(e for _, e in lists))


def test_dbt_build_on_fixtures(fixture_build):
    _, db, results = fixture_build
    _check_everything_ran(results)
    _check_schemas_and_comments(db)
    _check_loses_nothing(db)
    _check_vs_ai_continuous(db)
    for mart in MARTS:
        assert _q(db, f"SELECT count(*) FROM marts.{mart}")[0][0] > 0, mart


def test_fixture_parsing_reaches_the_marts(fixture_build):
    kind, db, _ = fixture_build
    sql = ("SELECT company, company_key, event_date, laid_off, pct_impacted FROM marts.fct_layoff_events "
           "WHERE company LIKE ?")
    if kind == "csv":
        # 'Larkspur Labs  ' (trailing spaces, 450, 13%, 11/16/22) is one event named without the spaces
        assert _q(db, sql, ["Larkspur Labs%"]) == [("Larkspur Labs", "larkspur labs", date(2022, 11, 16), 450, 0.13)]
    else:
        # the web page writes '1,250 (est.)' and 'Nov. 14, 2022'
        assert _q(db, sql, ["Pellucid%"]) == [("Pellucid Robotics", "pellucid robotics", date(2022, 11, 14),
                                              1250, 0.13)]
    # Unclear/blank counts stay unknown and are counted as unknown, not as zero
    row = _q(db, "SELECT events, events_with_count, events_unknown FROM marts.layoff_count_stats "
                 "WHERE source = 'crunchbase_tracker' AND year = 2022")[0]
    raw = _q(db, "SELECT count(*), count(laid_off) FROM staging.stg_crunchbase_tracker__layoffs")[0]
    assert row == (raw[0], raw[1], raw[0] - raw[1]) and row[2] > 0


# ---- the reference data ------------------------------------------------------------------------

def _python_rows(db: Path) -> list[Row]:
    return [Row(f"{s}:{h[:8]}:{n}", s, company_key(c), d, cnt, n, p, u) for c, d, cnt, s, h, n, p, u in _q(
        db, "SELECT company_raw, reported_date, laid_off, source, snapshot_sha256, line_number, pct_impacted, "
            "news_source FROM staging.stg_crunchbase_tracker__layoffs UNION ALL SELECT company_raw, reported_date, "
            "laid_off, source, snapshot_sha256, line_number, pct_impacted, news_source "
            "FROM staging.stg_layoffs_fyi__layoffs")]


def _python_pairs(db: Path) -> dict[tuple[int, int], str]:
    """The rule re-implemented in plain Python on the typed source rows: {(crunchbase line, layoffs.fyi line): name
    match}."""
    pairs = match(_python_rows(db))
    return {(int(c.rsplit(":", 1)[1]), int(f.rsplit(":", 1)[1])): how for (c, f), how in pairs.items()}


@pytest.mark.slow
def test_dbt_build_on_reference_data(reference_build):
    db, results = reference_build
    _check_everything_ran(results)
    _check_schemas_and_comments(db)
    _check_loses_nothing(db)
    _check_vs_ai_continuous(db)
    counts = {m: _q(db, f"SELECT count(*) FROM marts.{m}")[0][0] for m in MARTS}
    print("mart rows:", counts)
    assert all(counts.values()), counts


@pytest.mark.slow
def test_reference_reproduces_the_2022_blog_statistics_table(reference_build):
    db, _ = reference_build
    row = _q(db, "SELECT events, events_with_count, events_unknown, max_laid_off, min_laid_off, "
                 "mean_laid_off, median_laid_off, std_laid_off FROM marts.layoff_count_stats "
                 "WHERE source = 'crunchbase_tracker' AND year = 2022")
    assert len(row) == 1
    events, known, unknown, mx, mn, mean, median, std = row[0]
    # the blog: 232 companies; Max 11,000; Min 5; Mean 367; Median 90; Std 1150 (SOURCES.md: 379 rows)
    assert (events, known, unknown) == (379, 232, 147)
    assert (mx, mn, int(mean), median, round(std)) == (11000, 5, 367, 90.0, 1150)


@pytest.mark.slow
def test_reference_dedup_matches_an_independent_python_matcher(reference_build):
    db, _ = reference_build
    sql_pairs = {(int(c.rsplit(":", 1)[1]), int(f.rsplit(":", 1)[1])): rule.split("+")[0] for c, f, rule in _q(
        db, "SELECT crunchbase_ref, layoffs_fyi_ref, match_rule FROM marts.fct_layoff_events "
            "WHERE sources = 'crunchbase_tracker+layoffs_fyi'")}
    py_pairs = _python_pairs(db)
    print(f"cross-source matches: {len(sql_pairs)}")
    assert len(py_pairs) > 100  # the two trackers overlap heavily in 2022
    assert sql_pairs == py_pairs
    assert {"edit_distance", "token_containment"} <= set(sql_pairs.values())   # the fuzzy rules do fire
    rules = dict(_q(db, "SELECT count_rule, count(*) FROM marts.fct_layoff_events GROUP BY ALL"))
    print("count rules:", rules)
    assert sum(v for k, v in rules.items() if k != "single_source") >= len(sql_pairs)


@pytest.mark.slow
def test_reference_dedup_collapses_duplicates_and_sets_aside_cumulative_counts(reference_build):
    db, _ = reference_build
    # no two events of one source row set repeat a company, date and count any more
    left = _q(db, "SELECT count(*) FROM (SELECT source, company_key, event_date, laid_off FROM marts.fct_source_layoffs "
                  "WHERE duplicate_of IS NULL GROUP BY ALL HAVING count(*) > 1)")[0][0]
    collapsed = _q(db, "SELECT count(*) FROM marts.fct_source_layoffs WHERE duplicate_of IS NOT NULL")[0][0]
    assert left == 0 and collapsed > 0
    # the within-source groups are those of the plain-Python reading of step 1 of the rule
    sql_dups = dict(_q(db, "SELECT source_event_id, duplicate_of FROM marts.fct_source_layoffs "
                           "WHERE duplicate_of IS NOT NULL"))
    assert sql_dups == duplicates(_python_rows(db))
    # a cumulative count set aside never reaches laid_off, and layoffs.fyi lists 2+ rows of that company
    rows = _q(db, """SELECT e.laid_off, e.layoffs_fyi_laid_off, e.crunchbase_laid_off,
                (SELECT count(*) FROM marts.fct_source_layoffs s WHERE s.source = 'layoffs_fyi'
                 AND s.company_key = c.company_key AND s.event_date BETWEEN c.event_date - 365 AND c.event_date + 7)
            FROM marts.fct_layoff_events e JOIN marts.fct_source_layoffs c ON c.source_event_id = e.crunchbase_ref
            WHERE e.count_rule = 'cumulative_set_aside'""")
    assert rows
    for laid_off, fyi, cb, rounds in rows:
        assert laid_off == fyi and cb is not None and rounds >= 2


@pytest.mark.slow
def test_reference_dedup_d7_cases(reference_build):
    """Issue 21 D7 on the reference data: the repeats, pairs, date and scope it names."""
    db, _ = reference_build
    rules = dict(_q(db, "SELECT company || ' ' || strftime(event_date, '%Y-%m-%d'), duplicate_rule "
                        "FROM marts.fct_source_layoffs WHERE duplicate_of IS NOT NULL"))
    for repeat in ("Pear Therapeutics 2022-11-16", "Navan 2023-12-06", "Kenko Health 2023-08-30"):
        assert rules[repeat] == "repeat_same_count", repeat
    assert rules["Service 2020-03-20"] == "same_percentage"      # one TechCrunch article, 4 days apart, both 100%
    pairs = dict(_q(db, "SELECT company, match_rule FROM marts.fct_layoff_events "
                        "WHERE company IN ('Grove Collaborative', 'Progrexion') AND crunchbase_ref IS NOT NULL"))
    assert pairs == {"Grove Collaborative": "same_key+equal_pct_extended", "Progrexion": "same_key+crunchbase_citation"}
    stockx = _q(db, "SELECT event_date, date_conflict FROM marts.fct_layoff_events WHERE company = 'StockX' "
                    "AND source_urls LIKE '%november-2022%'")
    assert stockx == [(date(2022, 6, 28), True)]                 # flagged, the date kept
    assert _q(db, "SELECT count(*) FROM marts.fct_layoff_events WHERE is_us <> coalesce(country = 'United States', "
                  "false)")[0][0] == 0
    assert _q(db, "SELECT count(*) FROM marts.fct_layoff_events WHERE company IN ('Shopify', 'Klarna', 'Spotify') "
                  "AND is_us")[0][0] == 0
    # every layoffs.fyi row's article URL reaches its event
    missing = _q(db, """SELECT count(*) FROM marts.fct_source_layoffs s JOIN marts.fct_layoff_events e
        ON s.source_event_id IN (e.layoffs_fyi_ref, e.crunchbase_ref)
        OR list_contains(string_split(e.duplicate_refs, ','), s.source_event_id)
        WHERE s.source_url IS NOT NULL AND NOT list_contains(string_split(e.source_urls, ' | '), s.source_url)""")
    assert missing[0][0] == 0


# ---- AI attribution (docs/ai_attribution.md) ---------------------------------------------------

def _check_ai_cited_monthly_adds_up(db: Path) -> None:
    """The monthly AI-cited mart re-counts fct_layoff_events exactly, per scope."""
    for scope, where in (("global", "true"), ("us", "is_us")):
        mart = _q(db, "SELECT sum(events), sum(events_with_text), sum(ai_cited_events), sum(ai_cited_laid_off), "
                      "sum(ai_reason_stated_events), sum(laid_off_with_text), sum(ai_reason_stated_laid_off) "
                      "FROM marts.ai_cited_layoffs_monthly WHERE scope = ?", [scope])[0]
        fct = _q(db, f"SELECT count(*), count(*) FILTER (WHERE ai_attribution <> 'unknown'), "
                     f"count(*) FILTER (WHERE ai_attribution = 'ai_cited'), "
                     f"coalesce(sum(laid_off) FILTER (WHERE ai_attribution = 'ai_cited'), 0), "
                     f"count(*) FILTER (WHERE ai_reason_stated), "
                     f"coalesce(sum(laid_off) FILTER (WHERE ai_attribution <> 'unknown'), 0), "
                     f"coalesce(sum(laid_off) FILTER (WHERE ai_reason_stated), 0) "
                     f"FROM marts.fct_layoff_events WHERE {where}")[0]
        assert mart == fct, scope
    assert _q(db, "SELECT count(*) FROM marts.fct_layoff_events WHERE ai_attribution IS NULL")[0][0] == 0
    # every strict event is a broad one, and the counted text never comes from an unmeasured article title
    assert _q(db, "SELECT count(*) FROM marts.fct_layoff_events WHERE ai_reason_stated "
                  "AND ai_attribution <> 'ai_cited'")[0][0] == 0
    assert _q(db, "SELECT count(*) FROM marts.fct_layoff_events WHERE ai_text_origin = 'headline_title' "
                  "AND ai_attribution <> 'unknown'")[0][0] == 0
    shares = _q(db, "SELECT count(*) FROM marts.layoffs_vs_ai_monthly v JOIN marts.ai_cited_layoffs_monthly a "
                    "ON a.month = v.month AND a.scope = 'global' "
                    "WHERE v.ai_cited_share IS DISTINCT FROM a.ai_cited_share")[0][0]
    assert shares == 0


def test_fixture_ai_attribution_reaches_the_marts(fixture_build):
    _, db, _ = fixture_build
    _check_ai_cited_monthly_adds_up(db)
    # the fixtures hold no URL with a headline about AI; every event is still classified
    classes = {r[0] for r in _q(db, "SELECT DISTINCT ai_attribution FROM marts.fct_layoff_events")}
    assert classes and classes <= {"ai_cited", "ai_company", "none", "unknown"}


@pytest.mark.slow
def test_reference_ai_attribution(reference_build):
    db, _ = reference_build
    _check_ai_cited_monthly_adds_up(db)
    # every hand-labelled row (both samples) is one source row of the reference snapshots; tune rows stay in
    # the frame stratum they were drawn from
    per_sample = dict((r[0], r[1:]) for r in _q(
        db, "SELECT sample, count(*), count(source_event_id), "
            "count(*) FILTER (WHERE current_frame_stratum <> frame_stratum AND sample = 'tune') "
            "FROM marts.ai_attribution_sample GROUP BY sample"))
    assert per_sample["tune"] == (200, 200, 0) and per_sample["fresh_random"] == (424, 424, 0)
    # the fresh sample reuses no tuning row
    assert _q(db, "SELECT count(*) FROM marts.ai_attribution_sample f JOIN marts.ai_attribution_sample t "
                  "ON f.row_key = t.row_key AND f.sample = 'fresh_random' AND t.sample = 'tune'")[0][0] == 0
    # the examples: AI as the reason vs an AI company
    got = dict(_q(db, "SELECT company || ' ' || strftime(event_date, '%Y-%m'), ai_attribution "
                      "FROM marts.fct_layoff_events WHERE company IN ('Amazon', 'Workday', 'Paycom', 'Scale AI', "
                      "'Builder.ai') AND year(event_date) = 2025"))
    print(got)
    for name in ("Amazon 2025-10", "Workday 2025-02", "Paycom 2025-10"):
        assert got[name] == "ai_cited", name
    for name in ("Scale AI 2025-07", "Builder.ai 2025-05"):
        assert got[name] == "ai_company", name
