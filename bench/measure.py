"""Run one command and report its wall time and peak memory as JSON (a fresh wrapper per measured run).

Usage: python bench/measure.py --json out.json --log out.log -- CMD [ARGS...]

Peak RSS is reported two ways: `max_rss_mib` is getrusage(RUSAGE_CHILDREN).ru_maxrss of this wrapper
(the largest single process of the tree, dbt subprocess included, exact); `tree_rss_mib` is the
largest sum of RSS over the whole process tree, sampled from /proc every 0.1 s (catches the pipeline
process and its dbt subprocess together; may miss short spikes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Sum of RSS bytes of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            pid = int(entry)
            children.setdefault(int(stat[1]), []).append(pid)  # field 4: ppid
            rss[pid] = int(stat[21]) * PAGE  # field 24: rss in pages
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def run(cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: str | None = None) -> dict:
    peak = [0]
    stop = threading.Event()
    with open(log, "wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rc = proc.wait()
        wall = time.monotonic() - started
        stop.set()
        sampler.join()
    max_rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {"rc": rc, "wall_s": round(wall, 3), "max_rss_mib": round(max_rss_kib / 1024, 1),
            "tree_rss_mib": round(peak[0] / 2**20, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write the result")
    parser.add_argument("--log", type=Path, required=True, help="where the command's stdout+stderr go")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given after --")
    result = run(cmd, args.log)
    args.json.write_text(json.dumps(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
