"""One warn-scraper state scraper run in a child process behind the policy proxy; its CSV into the snapshot store."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ingestion.core import Dataset, FetchError, Snapshot
from ingestion.fetching import _read_regular_file
from ingestion.http import HttpClient, HttpConfig
from ingestion.outbound import Guard
from ingestion.policy_proxy import PolicyProxy
from ingestion.snapshot import SnapshotStore
from safetext import terminal_safe

# warn-scraper's public CLI (`python -m warn.cli <state> --data-dir D --cache-dir C`) in its own process group, with
# a fresh environment: its requests (plain `requests`, no timeout, retried with sleeps) go through HTTPS_PROXY, our
# PolicyProxy, which lets through only the dataset's allowed hosts at checked addresses until the fetch deadline; the
# child is killed at that deadline. A failure the proxy recorded fails the fetch even when the scraper exits 0, and so
# does a walk its cached pages show was cut short (WA's pagination swallows every error, a 500 included, and writes
# what it had). Fresh temp data, cache and HOME dirs every run
# (warn-scraper skips a download whose cache file exists); PYTHONUTF8=1 (it writes CSVs in the locale's encoding).


def scrape(dataset: Dataset, state: str, *, store: SnapshotStore, client: HttpClient | None = None,
           upstream: dict[tuple[str, int], tuple[str, int]] | None = None,
           ca_bundle: Path | None = None) -> Snapshot:
    """Run warn-scraper's `state` scraper for `dataset` and store the CSV it writes. `upstream` and `ca_bundle`
    are for tests: a local TLS server standing in for the state's host, and the CA that signed its certificate."""
    if importlib.util.find_spec("warn") is None:
        raise FetchError(f"{dataset.id}: warn-scraper is not installed (pip install warn-scraper); set "
                         f"LAYOFFS_AI_URL_{dataset.id.upper()} to a CSV export, or use LAYOFFS_AI_SNAPSHOT_DIR")
    config = client.config if client is not None else HttpConfig()
    deadline_at = time.monotonic() + (client.remaining() if client is not None else config.deadline)
    guard = Guard(allow_hosts=config.allow_hosts)
    with tempfile.TemporaryDirectory(prefix=f"{dataset.id}_") as tmp:
        work = Path(tmp)
        with PolicyProxy(dataset.id, dataset.allowed_hosts, guard, deadline_at, max_bytes=config.max_bytes,
                         connect_timeout=config.connect_timeout, upstream=upstream) as proxy:
            returncode, said, stopped = _run(state, work, proxy.url, deadline_at, ca_bundle, proxy.log.failed)
        failures = list(proxy.log.failures)
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        if returncode is None or (stopped and time.monotonic() >= deadline_at):
            why = f"; the proxy: {failures[0]}{more}" if failures else ""
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper did not finish within the fetch "
                             f"deadline of {config.deadline:g} s (LAYOFFS_AI_FETCH_DEADLINE_S); stopped{why}")
        if stopped:  # the fetch fails anyway: not waiting for the scraper's retries (15 s and 30 s sleeps)
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper was stopped at the proxy's first "
                             f"failure; the proxy: {failures[0]}{more}")
        if returncode != 0:
            why = f"; the proxy: {failures[0]}{more}" if failures else ""
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper failed (exit {returncode}): {said}{why}")
        if failures:  # exit 0, but a request was refused or cut: its CSV may be partial
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper finished, but {failures[0]}{more}; "
                             "its CSV may be partial and is not used")
        incomplete = WALK_CHECKS[state](work / "cache") if state in WALK_CHECKS else None
        if incomplete:
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper finished, but {incomplete}; "
                             "its CSV would be partial and is not used")
        path = work / "out" / f"{state}.csv"
        if not path.is_file():
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper wrote no {state}.csv")
        content, _ = _read_regular_file(path, config.max_bytes, dataset.id)
        if not content.strip():
            raise FetchError(f"{dataset.id}: warn-scraper's '{state}' scraper wrote an empty {state}.csv")
        return store.save(dataset, content, url=dataset.url, content_type="text/csv", filename=dataset.filename)


def _wa_walk_gap(cache: Path) -> str | None:
    """Where Washington's page walk stopped short, or None. warn-scraper posts for page n+1 until anything fails
    and keeps what it had (exit 0): the grid's own numeric pager (ASP.NET `__doPostBack(..., 'Page$<n>')` links)
    tells a real last page (no link to the next) from a failed postback (page n links to n+1, which has no grid)."""
    page, html = 1, _cached(cache / "wa" / "source.html")
    while html is not None and f"Page${page + 1}" in html:
        following = _cached(cache / "wa" / f"{page + 1}.html")
        if following is None or "<th" not in following.lower():
            return f"page {page} of Washington's grid links to page {page + 1}, which did not arrive"
        page, html = page + 1, following
    return None


def _cached(path: Path) -> str | None:
    return path.read_text("utf-8", "replace") if path.is_file() else None


WALK_CHECKS = {"wa": _wa_walk_gap}  # scrapers that end a walk on any error: how to tell a short walk


def _run(state: str, work: Path, proxy_url: str, deadline_at: float, ca_bundle: Path | None,
         failed: threading.Event) -> tuple[int | None, str, bool]:
    """(exit code, last line of its stderr, whether it was stopped because `failed` was set) of the scraper; exit
    code None when it outlived the deadline (killed). Any failure the proxy records fails the fetch, so the scraper
    is stopped at the first one instead of sitting out its retries."""
    env = {"HOME": str(work), "PYTHONUTF8": "1", "LANG": "C.UTF-8", "HTTPS_PROXY": proxy_url,
           "HTTP_PROXY": proxy_url, "https_proxy": proxy_url, "http_proxy": proxy_url, "NO_PROXY": "", "no_proxy": "",
           "WARN_OUTPUT_DIR": str(work / "warn"), "WARN_ETL_DIR": str(work / "warn")}
    if ca_bundle is not None:
        env["REQUESTS_CA_BUNDLE"] = str(ca_bundle)
    command = [sys.executable, "-m", "warn.cli", state, "--data-dir", str(work / "out"), "--cache-dir",
               str(work / "cache"), "-l", "WARNING"]
    errors = work / "stderr.txt"
    with open(errors, "wb") as err:
        child = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=err, start_new_session=True)
        stopped = threading.Event()
        threading.Thread(target=_stop_at, args=(failed, child, deadline_at, stopped), daemon=True).start()
        returncode = None
        try:
            returncode = child.wait(timeout=max(0.0, deadline_at - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        finally:
            if child.poll() is None:  # the deadline, or this process interrupted: never leave it running
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
    lines = [line for line in errors.read_bytes().decode("utf-8", "replace").splitlines() if line.strip()]
    return returncode, terminal_safe(lines[-1].strip())[:300] if lines else "no message", stopped.is_set()


def _stop_at(failed: threading.Event, child: subprocess.Popen, deadline_at: float, stopped: threading.Event) -> None:
    """Kill the scraper's process group when the proxy records a failure before the deadline and it still runs."""
    if failed.wait(max(0.0, deadline_at - time.monotonic())) and child.poll() is None:
        stopped.set()
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended meanwhile
            pass
