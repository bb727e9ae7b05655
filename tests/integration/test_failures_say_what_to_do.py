"""Failures say what to do in one line: a corrupt warehouse, a read-only home, a full disk, a misspelt setting."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import CLI, REPO, cli_env, one_error_line, run_cli, sha256_file

pytestmark = pytest.mark.fault


def leftovers(home: Path) -> list[str]:
    work = home / "work"
    return sorted(p.name for p in work.iterdir() if p.name != "writer.lock" and p.is_file()) if work.exists() else []


def test_a_corrupt_warehouse_names_the_file_and_the_ways_out(fault_home):
    assert fault_home.ingest("--only", "epoch_all").returncode == 0  # a second publish keeps the first one
    from warehouse.write_audit_publish import WarehousePaths

    previous = WarehousePaths(fault_home.home).previous
    assert previous is not None and previous.exists()
    fault_home.published.write_bytes(b"\x00" * 4096 + os.urandom(4096))
    result = fault_home.ingest()
    assert result.returncode == 1
    line = one_error_line(result)
    published = fault_home.published
    assert f"{published} is not a readable DuckDB warehouse" in line
    assert f"mv {published.resolve()} {published.resolve()}.corrupt" in line and f"cp {previous} {published}" in line
    assert leftovers(fault_home.home) == []
    run = run_cli(["run"], fault_home.home, fault_home.snapshots, timeout=600)
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr
    assert [line for line in run.stderr.splitlines() if line.startswith("error: ")] == [line]
    assert leftovers(fault_home.home) == []
    shutil.copyfile(previous, published)  # the advice works
    assert fault_home.ingest().returncode == 0


@pytest.fixture
def read_only_home(tmp_path):
    """An empty home nobody may write: a read-only bind mount (root ignores mode bits), else mode 0555."""
    home = tmp_path / "home"
    home.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["mount", "--bind", str(home), str(home)], capture_output=True).returncode != 0:
            pytest.skip("cannot bind-mount here to make a folder read-only for root")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(home)], check=True)
        yield home
        subprocess.run(["umount", "-l", str(home)], check=False)
    else:
        home.chmod(0o555)
        yield home
        home.chmod(0o755)


def test_a_read_only_home_is_one_line_and_leaves_no_lock(read_only_home):
    result = subprocess.run(CLI + ["run"], cwd=REPO, env=cli_env(read_only_home, None), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert ("Read-only file system" in errors[0] or "Permission denied" in errors[0]) and \
        str(read_only_home) in errors[0], errors
    assert not any(read_only_home.rglob("*.lock"))


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 MiB tmpfs (root) or, failing that, a 3 MiB file-size limit: writes fail the way a full disk does."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                                            capture_output=True).returncode == 0:
        yield mount, None
        subprocess.run(["umount", "-l", str(mount)], check=False)
        return

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))
    yield mount, limit


def test_a_full_disk_is_one_line_and_leaves_no_stale_lock(fault_home, tiny_disk):
    disk, limit = tiny_disk
    home = disk / "home"
    shutil.copytree(fault_home.home, home, ignore=shutil.ignore_patterns("raw", "dbt_target", "logs"), symlinks=True)
    filler = home / "filler.bin"
    with open(filler, "wb") as handle:  # leave less room than a working copy of the warehouse needs
        free = shutil.disk_usage(disk).free if limit is None else 0
        handle.write(b"\0" * max(0, free - 64 * 1024))
    result = subprocess.run(CLI + ["ingest"], cwd=REPO, env=cli_env(home, fault_home.snapshots),
                            capture_output=True, text=True, timeout=300, preexec_fn=limit)
    assert result.returncode == 1, result.stdout + result.stderr
    line = one_error_line(result)
    assert "No space left on device" in line or "File too large" in line, line
    assert leftovers(home) == [], "no working copy, temp file or lock is left behind"
    assert sorted(p.name for p in (home / "work").glob("*.lock")) in ([], ["writer.lock"])


def test_a_misspelt_setting_is_named_with_the_closest_known_one(fault_home):
    result = run_cli(["ingest", "--only", "epoch_all"], fault_home.home, fault_home.snapshots,
                     extra_env={"LAYOFFS_AI_SNAPSHOTS_DIR": "/nowhere"})
    assert result.returncode == 0, result.stderr
    assert ("warning: LAYOFFS_AI_SNAPSHOTS_DIR is not a layoffs-ai setting and is ignored; did you mean "
            "LAYOFFS_AI_SNAPSHOT_DIR?") in result.stderr


def test_running_out_of_duckdb_memory_names_the_setting_and_publishes_nothing(fault_home):
    result = run_cli(["ingest", "--only", "epoch_all"], fault_home.home, fault_home.snapshots, timeout=300,
                     extra_env={"LAYOFFS_AI_DUCKDB_MEMORY_LIMIT": "1MB"})
    assert result.returncode == 1, result.stdout + result.stderr
    line = one_error_line(result)
    assert "DuckDB ran out of memory under LAYOFFS_AI_DUCKDB_MEMORY_LIMIT=1MB" in line and "raise it" in line, line
    assert sha256_file(fault_home.home / "warehouse.duckdb") == fault_home.published_sha
    assert leftovers(fault_home.home) == []
