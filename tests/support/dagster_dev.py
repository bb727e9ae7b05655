"""Start `layoffs-ai ui` (dagster dev) in its own session, talk GraphQL to it, and stop every process it started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.child_guard import preexec_dying_with_parent

REPO = Path(__file__).resolve().parents[2]
LAYOFFS_AI = Path(sys.executable).with_name("layoffs-ai")

LOCATIONS_QUERY = """{ workspaceOrError { __typename
  ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } }
  ... on PythonError { message } } }"""
RUNS_QUERY = "{ runsOrError { __typename ... on Runs { results { runId status } } } }"
RUN_LOGS_QUERY = """query Logs($runId: ID!) { logsForRun(runId: $runId) { __typename
  ... on EventConnection { events { __typename
    ... on MessageEvent { message level stepKey }
    ... on ErrorEvent { error { message cause { message cause { message } } } } } } } }"""
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_processes(sid: int) -> dict[int, str]:
    """Live (non-zombie) processes whose session or process group is `sid`, from /proc: pid -> cmdline."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # exited while we looked
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ...
        state, pgrp, session = fields[0], int(fields[2]), int(fields[3])
        if state != "Z" and sid in (pgrp, session):
            found[int(entry.name)] = cmd or stat[stat.index("(") + 1:stat.rindex(")")]
    return found


@dataclass
class DagsterDev:
    """A running `layoffs-ai ui`: its process (a session leader), URL and log file."""

    proc: subprocess.Popen
    port: int
    log_path: Path
    seen_pids: dict[int, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-chars:]

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        req = urllib.request.Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = json.loads(resp.read())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def _check_alive(self, what: str) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {self.proc.returncode} while {what}; log:\n{self.log_tail()}")
        self.seen_pids.update(session_processes(self.proc.pid))

    def wait_ready(self, timeout: float = 240) -> None:
        """Wait for /server_info, then for every code location to be LOADED (fail on a load error)."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            self._check_alive("starting")
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5) as resp:
                    resp.read()
                data = self.graphql(LOCATIONS_QUERY)["workspaceOrError"]
            except (urllib.error.URLError, ConnectionError, TimeoutError, RuntimeError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(1)
                continue
            entries = data.get("locationEntries") or []
            errors = [e for e in entries if (e.get("locationOrLoadError") or {}).get("__typename") == "PythonError"]
            if errors:
                raise RuntimeError(f"code location failed to load: {errors[0]['locationOrLoadError']['message']}")
            if entries and all(e["loadStatus"] == "LOADED" and e["locationOrLoadError"] for e in entries):
                return
            last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
            time.sleep(1)
        raise TimeoutError(f"dagster dev not ready after {timeout:.0f}s ({last}); log:\n{self.log_tail()}")

    def runs(self) -> dict[str, str]:
        return {r["runId"]: r["status"] for r in self.graphql(RUNS_QUERY)["runsOrError"]["results"]}

    def run_errors(self, run_id: str, limit: int = 20) -> str:
        events = self.graphql(RUN_LOGS_QUERY, {"runId": run_id})["logsForRun"].get("events") or []
        lines = []
        for e in events:
            if e.get("level") == "ERROR" or e.get("error"):
                err, chain = "", e.get("error") or {}
                while chain:  # the last cause is the user's exception (e.g. the KeyError in analytics)
                    err, chain = chain.get("message", "").strip() or err, chain.get("cause")
                lines.append(f"[{e.get('stepKey') or '-'}] {e.get('message', '').strip()} {err}".strip())
        return "\n".join(lines[-limit:]) or "(no error events)"

    def wait_for_run(self, run_id: str, timeout: float = 360) -> str:
        """Poll until the run reaches a terminal status; return it."""
        deadline = time.monotonic() + timeout
        status = "unknown"
        while time.monotonic() < deadline:
            self._check_alive(f"run {run_id} was {status}")
            status = self.runs().get(run_id, "missing")
            if status in TERMINAL:
                return status
            time.sleep(2)
        raise TimeoutError(f"run {run_id} still {status} after {timeout:.0f}s")

    def stop(self, grace: float = 20) -> dict[int, str]:
        """SIGTERM the whole process group, wait, SIGKILL what is left; return processes still alive after."""
        pgid = self.proc.pid  # session leader: pgid == sid == pid
        self.seen_pids.update(session_processes(pgid))
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and session_processes(pgid):
            self.proc.poll()  # reap the leader as soon as it exits
            time.sleep(0.3)
        if session_processes(pgid):
            _signal_group(pgid, signal.SIGKILL)
            for pid in session_processes(pgid):  # stragglers that left the group but not the session
                _kill(pid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)
        return session_processes(pgid)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _launcher_preexec():
    """In the child: Ctrl-C stops it (a `&`-started shell ignores SIGINT), and it gets SIGTERM (dagster dev's
    clean shutdown of its webserver and daemon) when this process dies, even by SIGKILL."""
    die_with_us = preexec_dying_with_parent(signal.SIGTERM)

    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        die_with_us()

    return preexec


def start_dagster_dev(home: Path, snapshot_dir: Path, log_path: Path, port: int | None = None) -> DagsterDev:
    """`layoffs-ai ui` on 127.0.0.1:<free port> with LAYOFFS_AI_HOME=home, in a new session."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LAYOFFS_AI_HOME")}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snapshot_dir), PYTHONUNBUFFERED="1")
    log = open(log_path, "wb")
    try:
        proc = subprocess.Popen(
            [str(LAYOFFS_AI), "ui", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_launcher_preexec())
    finally:
        log.close()
    return DagsterDev(proc=proc, port=port, log_path=log_path)
