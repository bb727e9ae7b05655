"""`layoffs-ai ui` end to end: click "Materialize all" in headless Chromium and get a published warehouse."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.support.dagster_dev import start_dagster_dev
from tests.support.fixture_snapshots import make_fixture_snapshot_dir

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
NUX_TITLE = "Join the Dagster community"  # dagster-webserver's first-visit modal (GraphQL `shouldShowNux`)
# the button's accessible name includes its icon's label: "materialization Materialize all"
MATERIALIZE_ALL = re.compile(r"\bMaterialize all\b")
MARTS = ("fct_layoff_events", "layoffs_monthly", "fct_model_releases", "layoffs_vs_ai_monthly")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    """The fixture CSVs (one per dataset); LAYOFFS_AI_E2E_SNAPSHOT_DIR runs the test on another folder."""
    override = os.environ.get("LAYOFFS_AI_E2E_SNAPSHOT_DIR")
    if override:
        return Path(override).resolve()
    return make_fixture_snapshot_dir(tmp_path / "snapshots")


def _click_materialize_all_and_get_run(page, dev, before: set[str], timeout: float = 60) -> str:
    """Click the button, confirm a launch dialog if one opens, and return the id of the new run."""
    page.get_by_role("button", name=MATERIALIZE_ALL).first.click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(dev.runs()) - before
        if new:
            assert len(new) == 1, f"one click launched {len(new)} runs: {new}"
            return new.pop()
        confirm = page.get_by_role("dialog").get_by_role("button", name=re.compile(r"\b(Launch|Materialize)"))
        if confirm.count() and confirm.first.is_enabled():
            confirm.first.click()
        page.wait_for_timeout(500)
    raise AssertionError(f"no run was launched {timeout:.0f}s after clicking 'Materialize all'")


def _check_published_warehouse(home: Path, run_id: str) -> None:
    import duckdb

    published = home / "warehouse.duckdb"
    assert published.is_file(), f"{published} was not published by run {run_id}"
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()}
        missing = [m for m in MARTS if m not in tables]
        assert not missing, f"marts tables missing from the published warehouse: {missing} (have {sorted(tables)})"
        last_run = con.execute(
            "SELECT run_id FROM raw._publish_log ORDER BY published_at DESC LIMIT 1").fetchone()[0]
        assert last_run == run_id, f"published warehouse comes from run {last_run}, not the UI run {run_id}"
        sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM raw._loads").fetchall()}
        assert len(sources) == 6, f"expected loads of all 6 datasets, got {sorted(sources)}"
        events = con.execute("SELECT count(*) FROM marts.fct_layoff_events").fetchone()[0]
        assert events > 0, "marts.fct_layoff_events is empty"
    finally:
        con.close()


def _screenshot_asset_graph(page, url: str, path: Path) -> None:
    """The global asset lineage with every group expanded (the graph's Alt+E shortcut)."""
    page.goto(f"{url}/asset-groups")
    page.get_by_role("button", name=MATERIALIZE_ALL).first.wait_for()
    page.get_by_text("ingestion", exact=True).last.wait_for()
    page.mouse.click(1100, 850)  # focus the graph canvas so its keyboard shortcuts apply
    page.keyboard.press("Alt+KeyE")
    page.wait_for_timeout(3000)  # relayout + zoom-to-fit animation
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


def test_materialize_all_from_the_ui_publishes_the_warehouse(tmp_path: Path, snapshot_dir: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    home = tmp_path / "home"
    published = home / "warehouse.duckdb"
    assert not published.exists()

    dev = start_dagster_dev(home, snapshot_dir, tmp_path / "dagster_dev.log")
    try:
        dev.wait_ready()
        show_nux = dev.graphql("{ shouldShowNux }")["shouldShowNux"]
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            try:
                page.goto(f"{dev.url}/asset-groups")
                button = page.get_by_role("button", name=MATERIALIZE_ALL).first
                button.wait_for(timeout=120_000)
                page.wait_for_timeout(2000)  # the first-visit modal opens 1 s after the page loads
                nux_modal = page.get_by_text(NUX_TITLE).is_visible()
                if nux_modal:  # record it (asserted below) and get it out of the way of the click
                    page.get_by_role("dialog").get_by_role("button", name="Skip").click()

                run_id = _click_materialize_all_and_get_run(page, dev, before=set(dev.runs()))
                status = dev.wait_for_run(run_id, timeout=360)
                assert status == "SUCCESS", (
                    f"run {run_id} ended {status}; errors:\n{dev.run_errors(run_id)}\n"
                    f"dagster dev log tail:\n{dev.log_tail(2000)}")
                _check_published_warehouse(home, run_id)
                _screenshot_asset_graph(page, dev.url, ARTIFACTS / "asset_graph.png")
            except Exception:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "e2e_failure.png"))  # what the browser showed
                raise
            finally:
                browser.close()
    finally:
        leftover = dev.stop()
    started = dev.seen_pids
    assert any("dagster_webserver" in c for c in started.values()) and any(
        "dagster._daemon" in c for c in started.values()), f"expected webserver + daemon processes, saw {started}"
    assert not leftover, f"processes of dagster dev still running after stop: {leftover}"
    assert dev.proc.returncode is not None
    assert (ARTIFACTS / "asset_graph.png").stat().st_size > 0
    assert show_nux is False and not nux_modal, (
        f"the first-visit '{NUX_TITLE}' modal is enabled (shouldShowNux={show_nux}, shown={nux_modal}); "
        "`layoffs-ai ui` must write `nux: {enabled: false}` into $LAYOFFS_AI_HOME/dagster_home/dagster.yaml")
