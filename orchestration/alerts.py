"""Alerts on a failed run: one line in $LAYOFFS_AI_HOME/logs/alerts.log, and a JSON POST to a webhook if set."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from ingestion.core import FetchError
from ingestion.http import HttpClient, HttpConfig
from safetext import origin_only, safe_line

WEBHOOK_DEADLINE_S = 15.0  # an alert must never hold up the daemon or the command that failed


def alert(home: Path, webhook: str | None, job: str, run_id: str, message: str,
          http: HttpConfig | None = None) -> str | None:
    """Record one failed run (the sensor and the `run`/`ingest` commands write the same line); returns the one
    line saying why the webhook could not be told (None when it was, or none is set). Never raises for the
    webhook: a failing alert must not change how the run ended."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = safe_line(f"{stamp} FAILED {job} run {run_id}: {message}")[:2000]
    log = home / "logs" / "alerts.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    if not webhook:
        return None
    shown = origin_only(webhook)
    payload = {"text": line, "job": job, "run_id": run_id, "message": safe_line(message), "at": stamp,
               "source": "layoffs-ai"}
    config = http or HttpConfig()
    config = replace(config, total_retries=0, deadline=min(config.deadline, WEBHOOK_DEADLINE_S),
                     connect_timeout=min(config.connect_timeout, 5.0), read_timeout=min(config.read_timeout, 10.0))
    try:
        with HttpClient(config) as client:  # the outbound policy: a configured URL, trusted for its origin
            client.post_json(webhook, json.dumps(payload).encode(), shown=shown)
    except FetchError as exc:
        return safe_line(f"alert webhook {shown}: {exc}")
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the run's own outcome stands
        return safe_line(f"alert webhook {shown} failed: {type(exc).__name__}")
    return None
