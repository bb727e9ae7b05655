"""WARN notices of three states' shapes into one raw table and one typed staging table, on invented fixtures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from ingestion import sources
from ingestion.core import FetchError, SchemaError
from ingestion.http import HttpClient, HttpConfig
from ingestion.snapshot import SnapshotStore
from ingestion.sources import warn
from tests.support.http_server import http_server  # noqa: F401 - fixture
from tests.support.snapshots import snapshot_over
from tests.support.staged import load, load_and_type

from .conftest import count_records

REPO = Path(__file__).parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "warn"
FILES = {f"warn_{st}": FIXTURES / f"warn_{st}_export_pipeline.csv" for st in ("wa", "or", "ny")}


def snapshots() -> dict:
    return {d: snapshot_over(path, d) for d, path in FILES.items()}


def test_every_state_is_one_entry():
    assert [d.id for d in warn.DATASETS] == ["warn_wa", "warn_or", "warn_ny"]
    for state in warn.STATES.values():
        dataset, module = sources.get(state.dataset_id)
        assert module is warn and dataset.tables == (warn.TABLE,)
        assert dataset.offline_glob == f"warn_{state.code}_export_*.csv"
        assert dataset.allowed_hosts == state.hosts and dataset.origin.license.startswith("public records")
        assert set(state.columns) <= set(warn.RAW_COLUMNS) and {"company", "notice_date"} <= set(state.columns)
    # the dbt test that every input line is a row or a reject names the states: none may be left unchecked
    spec = yaml.safe_load((REPO / "dbt_project/models/staging/warn/stg_warn__notices.yml").read_text())
    [model] = spec["models"]
    [add_up] = [t["rows_add_up"] for t in model["data_tests"] if "rows_add_up" in t]
    assert add_up["arguments"]["datasets"] == [d.id for d in warn.DATASETS]


def test_each_state_header_maps_onto_the_canonical_columns(tmp_path):
    loaded = load(snapshots(), tmp_path / "warehouse.duckdb")
    assert {d: (r.rows, r.rejects, r.input_rows) for d, r in loaded.loads.items()} == {
        "warn_wa": (25, 0, 25), "warn_or": (25, 0, 25), "warn_ny": (12, 0, 12)}  # framing only: typing is staging's
    wa, orr, ny = (loaded.raw(warn.TABLE, d) for d in FILES)
    assert {k: wa[2][k] for k in ("company", "location", "notice_date", "effective_date", "workers", "closure",
                                  "duration", "layoff_type", "notice_id")} == {
        "company": "Corvid Systems", "location": "Redmond, Bellevue, Issaquah", "notice_date": "9/18/2026",
        "effective_date": "11/20/2026", "workers": "412", "closure": "Layoff", "duration": "Permanent",
        "layoff_type": None, "notice_id": None}
    assert json.loads(wa[2]["_extra"]) == {"Notice": ""}
    assert orr[16]["company"] == "LARKSPUR ELECTRONICS".ljust(39)  # raw keeps the padding; staging trims
    assert (orr[16]["layoff_type"], orr[16]["notice_id"], orr[16]["closure"]) == ("Reduction", "2004-002", None)
    assert orr[17]["notice_id"] == "003071"  # text: leading zeros kept
    # New York's header cells carry trailing and doubled spaces: matched all the same
    assert (ny[2]["notice_date"], ny[2]["workers"], ny[2]["duration"]) == ("2026-02-02", "30", "Permanent")
    assert json.loads(ny[2]["_extra"]) == {"Date Posted": "2026-02-05", "Impacted Site County": "Albany",
                                           "Reason for Layoff/Closure": "Economic", "Index": "1"}


@pytest.mark.parametrize(("dataset", "renamed", "missing"), [
    ("warn_wa", ("Received Date", "Date Received"), "Received Date"),
    ("warn_or", ("Company Name", "Employer"), "Company Name"),
    ("warn_ny", ("Number of Affected Workers ", "Workers"), "Number of Affected Workers"),
])
def test_a_changed_header_is_a_schema_error_naming_the_column(tmp_path, dataset, renamed, missing):
    text = FILES[dataset].read_bytes().decode("utf-8")
    header, rest = text.split("\r\n", 1)
    changed = tmp_path / FILES[dataset].name
    changed.write_text(header.replace(renamed[0], renamed[1]) + "\r\n" + rest, encoding="utf-8", newline="")
    snapshot = snapshot_over(changed, dataset)
    for step in (sources.check_layout, sources.read):
        with pytest.raises(SchemaError, match=f"{dataset}: missing column '{missing}'"):
            step(dataset, snapshot)


def test_a_url_override_is_a_csv_fetched_with_the_projects_client(http_server, tmp_path):
    """LAYOFFS_AI_URL_WARN_<ST>: the CSV at that URL, through HttpClient (not warn-scraper), into the store."""
    body = FILES["warn_ny"].read_bytes()
    http_server.add("/ny.csv", 200, body, {"Content-Type": "text/csv; charset=utf-8"})
    with HttpClient(HttpConfig(total_retries=0)) as client:
        snapshot = warn.fetch("warn_ny", store=SnapshotStore(tmp_path), client=client, url=http_server.url("/ny.csv"))
    assert (snapshot.source, snapshot.read_bytes(), snapshot.license) == ("warn_ny", body, warn.DATASETS[2].origin.license)
    assert [r.path for r in http_server.requests] == ["/ny.csv"]
    assert sources.read("warn_ny", snapshot).columns["notice_date"] == 2


def test_a_refused_override_redirect_stores_nothing(http_server, tmp_path):
    http_server.add("/or.csv", 302, b"", {"Location": "https://elsewhere.example/or.csv"})
    with HttpClient(HttpConfig(total_retries=0)) as client, pytest.raises(FetchError, match="refused"):
        warn.fetch("warn_or", store=SnapshotStore(tmp_path), client=client, url=http_server.url("/or.csv"))
    assert not list(tmp_path.rglob("*.csv"))


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    """The three fixtures loaded as text and typed by staging (dbt)."""
    return load_and_type(snapshots(), tmp_path_factory.mktemp("warn") / "work")


def test_rows_add_up_per_state(typed):
    for dataset, path in FILES.items():
        inputs = count_records(path.read_bytes())  # independent of the loader: csv.reader
        accepted = typed.query("SELECT count(*) FROM staging.stg_warn__notices WHERE source = ?", [dataset])[0][0]
        rejects = typed.query("SELECT count(*) FROM staging.rejects WHERE source = ?", [dataset])[0][0]
        assert (inputs, accepted + rejects) == (inputs, inputs), dataset
        assert typed.counts(dataset) == (inputs, accepted, rejects)
    assert [typed.counts(d) for d in FILES] == [(25, 24, 1), (25, 23, 2), (12, 12, 0)]


def test_rejects_say_why(typed):
    assert [(line, reason) for line, reason, _ in typed.rejects("warn_wa")] == [
        (20, "effective_date: cannot parse '13/40/2019' as M/D/YYYY or YYYY-MM-DD")]
    assert [(line, reason) for line, reason, _ in typed.rejects("warn_or")] == [
        (19, "company: '1200 NORTHEAST ALDER ST, PORTLAND, OR 97' is a street address, not an employer"),
        (20, "effective_date: '1899-12-29 00:00:00' is a placeholder for a missing date")]


def test_staged_notices_are_trimmed_typed_and_one_shape(typed):
    wa, orr, ny = (typed.staged("warn__notices", d) for d in FILES)
    assert (orr[17]["company"], orr[17]["company_raw"], orr[17]["location"]) == (
        "PACIFIC SPRUCE MILLWORKS", "PACIFIC  SPRUCE  MILLWORKS".ljust(39), "TILLAMOOK")
    assert (orr[15]["effective_date"], orr[15]["workers"], orr[15]["notice_type"]) == (None, None, "closure")
    assert (orr[24]["state"], orr[24]["notice_date"], orr[24]["effective_date"]) == (
        "OR", date(1988, 11, 28), date(1989, 2, 3))  # before 2000: kept (the WARN Act is from 1988)
    assert (orr[5]["notice_type"], orr[5]["temporary"], orr[9]["temporary"]) == ("layoff", None, True)
    assert (wa[9]["workers"], wa[9]["workers_raw"]) == (None, "0")  # 0: the state shows no number
    assert (wa[14]["workers"], wa[6]["temporary"], wa[4]["notice_type"]) == (1204, True, "closure")
    assert (ny[6]["workers"], ny[6]["temporary"], ny[6]["notice_type"]) == (None, None, "closure")
    assert ny[7]["company"] == "O\u2019Malley\u2019s Stores Corp." and ny[2]["location"] == "12 Canal St, Albany, NY 12207"
    assert {r["state"] for r in (*wa.values(), *orr.values(), *ny.values())} == {"WA", "OR", "NY"}


def test_a_scraper_the_policy_cannot_hold_is_never_run(monkeypatch, tmp_path):
    # a Virginia entry (warn-scraper's `va` drives Chrome): live without a CSV URL it is refused before any scraper
    # starts, naming the setting to use instead; with the URL it is an ordinary CSV fetch
    va = warn.WarnState(code="va", name="Virginia", agency="Virginia Employment Commission", page="https://x.invalid",
                        url="https://x.invalid/warn.csv", hosts=("x.invalid",), columns=warn.STATES["wa"].columns)
    monkeypatch.setitem(warn.STATES, "va", va)
    monkeypatch.setattr("ingestion.warn_scrape.scrape", lambda *a, **k: pytest.fail("the va scraper was started"))
    with pytest.raises(FetchError, match=r"warn_va: .*Selenium.*LAYOFFS_AI_URL_WARN_VA"):
        warn.fetch(warn._dataset(va), store=SnapshotStore(tmp_path / "raw"))
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*.csv"))
