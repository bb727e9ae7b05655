"""`layoffs-ai ui` (dg dev) and the Dagster instance folder it and `layoffs-ai run` share."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .settings import Settings, child_environment

REPO = Path(__file__).resolve().parents[1]
DAGSTER_YAML = """# written by layoffs-ai; Dagster instance settings for this LAYOFFS_AI_HOME
telemetry:
  enabled: false
nux:
  enabled: false   # no "Join the Dagster community" modal on the first visit of the UI
concurrency:
  runs:
    max_concurrent_runs: 1   # one writer at a time: runs queue behind each other
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """The Dagster instance folder, with our dagster.yaml unless somebody else wrote one."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text() if config.exists() else None
    if current is None or (current.startswith("# written by layoffs-ai") and current != DAGSTER_YAML):
        config.write_text(DAGSTER_YAML)  # never overwrite a dagster.yaml somebody else wrote
    return home


def _cmd_ui(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    dagster_home = prepare_dagster_home(settings)
    bin_dir = Path(sys.executable).parent
    argv = [str(bin_dir / "dg"), "dev", "-h", args.host, "-p", str(args.port)]
    print(f"starting Dagster UI on http://{args.host}:{args.port} (dg dev; DAGSTER_HOME={dagster_home})", flush=True)
    path = os.pathsep.join(filter(None, [str(bin_dir), child_environment().get("PATH")]))
    env = child_environment(DAGSTER_HOME=str(dagster_home), VIRTUAL_ENV=str(bin_dir.parent), PATH=path)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # `&`-started shells ignore SIGINT; dg dev must not
    # dg dev leads its own process group under a watchdog: if this command dies, even by SIGKILL, dg dev gets
    # its clean-shutdown SIGTERM and its webserver, daemon and code server go with it (issue 20: no orphans)
    from .child_guard import supervise

    return supervise(argv, env, REPO)


def register(sub) -> None:
    ui = sub.add_parser("ui", help="start the Dagster UI and daemon (dg dev) with a persistent DAGSTER_HOME",
                        description="Run `dg dev`: the Dagster UI, the daemon (nightly schedule, sensors, run queue) "
                                    "and the code location, with DAGSTER_HOME=$LAYOFFS_AI_HOME/dagster_home (or "
                                    "$DAGSTER_HOME). Stop it with Ctrl-C.")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=_cmd_ui)
