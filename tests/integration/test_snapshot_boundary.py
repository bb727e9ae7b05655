"""The snapshot folder is a boundary: links, non-files and oversized files are refused, and no error line
prints what a file holds beyond its first 40 bytes."""

from __future__ import annotations

import os

import pytest

from .conftest import one_error_line, run_cli

pytestmark = pytest.mark.fault

SECRET = "hunter2-do-not-leak-9f3c"


def ingest_with_secret(fault_home, *args: str):
    return run_cli(["ingest", *args], fault_home.home, fault_home.snapshots,
                   extra_env={"LAYOFFS_AI_TEST_SECRET_TOKEN": SECRET})


def all_stored_text(fault_home) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in fault_home.raw.rglob("*") if p.is_file())


def test_a_symlink_posing_as_the_newest_export_is_refused_and_nothing_leaks(fault_home):
    link = fault_home.snapshots / "layoffs_fyi_export_zz-2099-12.csv"  # sorts after every real export
    link.symlink_to("/proc/self/environ")
    raw_before = fault_home.raw_files()
    result = ingest_with_secret(fault_home, "--only", "layoffs_fyi")
    assert result.returncode == 1
    line = one_error_line(result)
    assert str(link) in line and "symlink" in line
    assert SECRET not in result.stdout + result.stderr
    assert SECRET not in all_stored_text(fault_home) and fault_home.raw_files() == raw_before
    fault_home.assert_published_unchanged()


def test_something_that_is_not_a_regular_file_is_refused(fault_home):
    fifo = fault_home.snapshots / "layoffs_fyi_export_zz-2099-12.csv"
    os.mkfifo(fifo)  # reading it would block forever
    result = run_cli(["ingest", "--only", "layoffs_fyi"], fault_home.home, fault_home.snapshots, timeout=60)
    assert result.returncode == 1
    assert "not a regular file" in one_error_line(result)
    fault_home.assert_published_unchanged()


def test_a_file_resolving_outside_the_folder_is_refused(fault_home, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "layoffs_fyi_export_zz-2099-12.csv").write_bytes(fault_home.snapshot_file("layoffs_fyi").read_bytes())
    (fault_home.snapshots / "sub").symlink_to(outside)
    # a glob that walks into the linked folder must not be followed out of the snapshot folder
    from ingestion.core import Dataset, FetchError, Origin
    from ingestion.fetching import find_offline_file

    dataset = Dataset("layoffs_fyi", Origin("o", "u", "l", "c"), "u", "f.csv", "sub/layoffs_fyi_export_*.csv")
    with pytest.raises(FetchError, match="resolves outside"):
        find_offline_file(dataset, fault_home.snapshots)


def test_an_offline_file_over_the_size_cap_is_refused_in_one_line(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    result = run_cli(["ingest", "--only", "layoffs_fyi"], fault_home.home, fault_home.snapshots,
                     extra_env={"LAYOFFS_AI_HTTP_MAX_BYTES": str(len(data) - 1)})
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"is {len(data):,} bytes, over the size cap of {len(data) - 1:,} bytes (LAYOFFS_AI_HTTP_MAX_BYTES)" in line
    fault_home.assert_published_unchanged()
    at_cap = run_cli(["ingest", "--only", "layoffs_fyi"], fault_home.home, fault_home.snapshots,
                     extra_env={"LAYOFFS_AI_HTTP_MAX_BYTES": str(len(data))})
    assert at_cap.returncode == 0, at_cap.stderr


def test_a_refused_header_shows_path_size_and_40_escaped_bytes_never_more(fault_home):
    data = fault_home.snapshot_file("layoffs_fyi").read_bytes()
    header, rest = data.split(b"\n", 1)
    hostile = b"company\x1b[31m,location,date,,,,,,,,,,,,,,,,," + SECRET.encode() + b",x,y,z\n" + rest
    fault_home.write_snapshot("layoffs_fyi", hostile)
    result = run_cli(["ingest", "--only", "layoffs_fyi"], fault_home.home, fault_home.snapshots)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "missing column" in line and str(fault_home.raw / "layoffs_fyi") in line
    shown = "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x5C else f"\\x{b:02x}" for b in hostile[:40])
    assert shown.startswith("company\\x1b[31m,location,date,")
    assert f"({len(hostile):,} bytes, starts '{shown}')" in line
    assert SECRET[:8] not in line and "\x1b" not in line
    fault_home.assert_published_unchanged()
