"""Alerts on a failed night: one line in $LAYOFFS_AI_HOME/logs/alerts.log, and a JSON POST to a webhook if set."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

WEBHOOK_TIMEOUT = (5, 10)  # connect, read seconds: an alert must never hold up the daemon


def alert(home: Path, webhook: str | None, job: str, run_id: str, message: str) -> str | None:
    """Record one failed run; returns why the webhook could not be told (None when it was, or none is set)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = " ".join(f"{stamp} FAILED {job} run {run_id}: {message}".split())
    log = home / "logs" / "alerts.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(line[:2000] + "\n")
    if not webhook:
        return None
    payload = {"text": line, "job": job, "run_id": run_id, "message": message, "at": stamp, "source": "layoffs-ai"}
    try:
        response = requests.post(webhook, data=json.dumps(payload), timeout=WEBHOOK_TIMEOUT,
                                 headers={"Content-Type": "application/json"})
        response.raise_for_status()
    except requests.RequestException as exc:
        return f"alert webhook {webhook} failed: {' '.join(str(exc).split())}"
    return None
