"""Rerun the README's example queries through the `layoffs-ai sql` code path and rewrite (or --check) their output."""

from __future__ import annotations

import argparse
import difflib
import io
import re
import shlex
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

# A ```console block whose first line is `$ layoffs-ai sql ...`: the command, then the output it printed.
EXAMPLE = re.compile(r"```console\n\$ (layoffs-ai sql [^\n]+)\n(.*?)```", re.S)
REPO = Path(__file__).resolve().parents[1]


class ExampleFailed(Exception):
    """A README command did not run (it exits non-zero today)."""


def run_example(command: str, warehouse: Path) -> str:
    """What `command` (a `layoffs-ai sql ...` line) prints against `warehouse`, run in-process by the CLI's main."""
    from .cli import main

    argv = shlex.split(command)[1:]   # drop the program name
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([argv[0], "--warehouse", str(warehouse), *argv[1:]])
    if code:
        raise ExampleFailed(f"README example exits {code}: {command}\n{err.getvalue().strip()}")
    return out.getvalue()


def commands(readme: str) -> list[str]:
    return [m[1] for m in EXAMPLE.finditer(readme)]


def regenerate(readme: str, warehouse: Path) -> str:
    """`readme` with every example's output block replaced by what its command prints today."""
    return EXAMPLE.sub(lambda m: f"```console\n$ {m[1]}\n{run_example(m[1], warehouse)}```", readme)


def diff(old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md (committed)",
                                        "README.md (what the commands print today)"))


def main(argv: list[str] | None = None) -> int:
    from .settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m orchestration.readme_examples",
        description="Rerun each `layoffs-ai sql` example of the README against a warehouse (after `make run`) "
                    "and rewrite its output block; with --check, only say whether the README is current.")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md", help="default: the repo's README.md")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="warehouse file (default: the published one of LAYOFFS_AI_HOME, the checkout's data/ by default)")
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff when the README is stale")
    args = parser.parse_args(argv)
    warehouse = args.warehouse or Settings.from_env().home / "warehouse.duckdb"
    if not warehouse.exists():
        print(f"error: no warehouse at {warehouse}: run `make run` first, or pass --warehouse", file=sys.stderr)
        return 2
    old = args.readme.read_text(encoding="utf-8")
    try:
        new = regenerate(old, warehouse)
    except ExampleFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if new == old:
        print(f"{args.readme}: {len(commands(old))} examples are current")
        return 0
    if args.check:
        print(diff(old, new), end="")
        print(f"error: {args.readme} is stale: run `python -m orchestration.readme_examples`", file=sys.stderr)
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme}: rewrote the output of {len(commands(old))} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
