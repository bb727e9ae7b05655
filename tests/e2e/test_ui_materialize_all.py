"""`layoffs-ai ui` (dg dev) end to end in headless Chromium: "Materialize" on one mart builds it and the
`publish_after_build` sensor publishes it (no failed run, check or alert); "Materialize all" publishes, and after
a second one every check still shows its real result."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.browser import close_browser, guarded_chromium
from tests.support.dagster_dev import start_dagster_dev
from tests.support.fixture_snapshots import make_fixture_snapshot_dir

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
NUX_TITLE = "Join the Dagster community"  # dagster-webserver's first-visit modal (GraphQL `shouldShowNux`)
MATERIALIZE_ALL = re.compile(r"\bMaterialize all\b")
MATERIALIZE = re.compile(r"^\W*(materialization\s+)?Materialize$")
CHECKS_QUERY = """{ assetNodes { assetKey { path } isMaterializable
  assetChecksOrError { __typename ... on AssetChecks { checks { name
    executionForLatestMaterialization { status } } } } } }"""

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


def _launch(page, dev, button, timeout: float = 90) -> str:
    """Click `button`, confirm a launch dialog if one opens, and return the id of the one new run."""
    before = set(dev.runs())
    button.click()
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
    raise AssertionError(f"no run was launched {timeout:.0f}s after the click")


def _next_run(dev, seen: set[str], timeout: float = 120) -> str:
    """The one run started after `seen` (by a sensor), waiting for it up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(dev.runs()) - seen
        if new:
            assert len(new) == 1, f"expected one new run, got {new}"
            return new.pop()
        time.sleep(2)
    raise AssertionError(f"no run was started within {timeout:.0f}s (is the publish_after_build sensor running?)")


def _published_run(home: Path) -> str:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT run_id FROM raw._publish_log ORDER BY published_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def _checks(dev) -> dict[str, str]:
    out = {}
    for node in dev.graphql(CHECKS_QUERY)["assetNodes"]:
        checks = node["assetChecksOrError"]
        if checks["__typename"] != "AssetChecks" or not node["isMaterializable"]:
            continue
        for check in checks["checks"]:
            execution = check["executionForLatestMaterialization"] or {}
            out[f"{'/'.join(node['assetKey']['path'])}:{check['name']}"] = execution.get("status", "NONE")
    return out


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, Path]:
    """A home published once by `layoffs-ai run` (so every source has been observed)."""
    snapshots = make_fixture_snapshot_dir(tmp_path / "snapshots")
    home = tmp_path / "home"
    env_run = [sys.executable, "-m", "orchestration.cli", "run"]
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snapshots))
    result = subprocess.run(env_run, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return home, snapshots


def test_ui_launches_are_safe_and_checks_keep_their_results(tmp_path: Path, home: tuple[Path, Path]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    home_dir, snapshots = home
    first_published = _published_run(home_dir)
    dev = start_dagster_dev(home_dir, snapshots, tmp_path / "dg_dev.log")
    timings = {}
    try:
        dev.wait_ready()
        show_nux = dev.graphql("{ shouldShowNux }")["shouldShowNux"]
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(guarded_chromium()), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            try:
                # 1. one mart from its asset page: built in staging, then published by the sensor's run
                page.goto(f"{dev.url}/assets/marts/layoffs_monthly")
                page.wait_for_timeout(2000)
                if page.get_by_text(NUX_TITLE).is_visible():
                    page.get_by_role("dialog").get_by_role("button", name="Skip").click()
                button = page.get_by_role("button", name=MATERIALIZE).first
                button.wait_for(timeout=120_000)
                before = set(dev.runs())
                one = _launch(page, dev, button)
                assert dev.wait_for_run(one, timeout=300) == "SUCCESS", dev.run_errors(one)
                assert _published_run(home_dir) == first_published, "building one asset publishes nothing by itself"
                publish_run = _next_run(dev, before | {one})
                assert dev.wait_for_run(publish_run, timeout=300) == "SUCCESS", dev.run_errors(publish_run)
                assert _published_run(home_dir) == publish_run
                mart_checks = {k: v for k, v in _checks(dev).items() if k.startswith("marts/layoffs_monthly:")}
                assert mart_checks and set(mart_checks.values()) == {"SUCCEEDED"}, mart_checks
                assert not (home_dir / "logs" / "alerts.log").exists(), "no alert"
                assert sorted(p.name for p in (home_dir / "work").iterdir()) == ["staging", "writer.lock"]

                # 2. "Materialize all" twice: both publish; every check keeps a real result (not skipped)
                runs = []
                for _ in range(2):
                    page.goto(f"{dev.url}/asset-groups")
                    button = page.get_by_role("button", name=MATERIALIZE_ALL).first
                    button.wait_for(timeout=120_000)
                    started = time.monotonic()
                    run_id = _launch(page, dev, button)
                    status = dev.wait_for_run(run_id, timeout=600)
                    timings.setdefault("materialize_all_s", []).append(round(time.monotonic() - started, 1))
                    assert status == "SUCCESS", f"run {run_id} ended {status}:\n{dev.run_errors(run_id)}"
                    assert _published_run(home_dir) == run_id
                    runs.append(run_id)
                checks = _checks(dev)
                assert checks and all(s in ("SUCCEEDED", "FAILED") for s in checks.values()), {
                    k: v for k, v in checks.items() if v not in ("SUCCEEDED", "FAILED")}
                assert sum(s == "SUCCEEDED" for s in checks.values()) > 100

                page.goto(f"{dev.url}/asset-groups")
                page.get_by_role("button", name=MATERIALIZE_ALL).first.wait_for()
                page.wait_for_timeout(3000)
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "asset_graph.png"))
            except Exception:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "e2e_failure.png"))
                raise
            finally:
                close_browser(browser)
    finally:
        leftover = dev.stop()
    log = (tmp_path / "dg_dev.log").read_text(errors="replace")
    assert "SupersessionWarning" not in log, "make ui must run dg dev, not the superseded dagster dev"
    assert any("dagster_webserver" in c or "dagster-webserver" in c for c in dev.seen_pids.values())
    assert not leftover, f"processes still running after stop: {leftover}"
    assert show_nux is False
    print(f"Materialize all from the UI: {timings}")
