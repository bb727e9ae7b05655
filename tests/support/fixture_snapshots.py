"""Build a LAYOFFS_AI_SNAPSHOT_DIR from the hand-written pipeline fixtures: one small CSV per dataset."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from ingestion.sources import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def pipeline_fixture(dataset_id: str, fixtures: Path = FIXTURES) -> str:
    """The fixture a whole run loads for a dataset, relative to tests/fixtures: the one file in
    tests/fixtures/<source module>/ whose name matches the dataset's `offline_glob` and contains `_pipeline`.
    Those files hold invented events in the real formats over several years with a few bad rows (under the 10%
    reject gate), so that a whole run has something to build; the *_ugly.csv files are the parsers' corner cases."""
    dataset, module = DATASETS[dataset_id]
    folder = fixtures / module.__name__.rsplit(".", 1)[-1]
    hits = sorted(p for p in folder.glob(dataset.offline_glob) if p.is_file() and "_pipeline" in p.name)
    if len(hits) != 1:
        raise ValueError(f"want exactly one *_pipeline* fixture matching '{dataset.offline_glob}' in {folder} "
                         f"for dataset '{dataset_id}', found {[p.name for p in hits]}")
    return str(hits[0].relative_to(fixtures))


def fixture_by_dataset(fixtures: Path = FIXTURES) -> dict[str, str]:
    """Dataset id -> its pipeline fixture (relative to tests/fixtures), for every registered dataset."""
    return {dataset_id: pipeline_fixture(dataset_id, fixtures) for dataset_id in DATASETS}


# dataset id -> fixture file (relative to tests/fixtures), derived from the registry and the fixture folders
FIXTURE_BY_DATASET: dict[str, str] = fixture_by_dataset()


def make_fixture_snapshot_dir(dest: Path) -> Path:
    """Copy one fixture per dataset into `dest` under a name its `offline_glob` matches; return `dest`."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for dataset_id, rel in FIXTURE_BY_DATASET.items():
        dataset = DATASETS[dataset_id][0]
        src = FIXTURES / rel
        if not src.is_file():
            raise FileNotFoundError(f"fixture {src} for dataset '{dataset_id}' does not exist")
        if not fnmatch.fnmatchcase(src.name, dataset.offline_glob):
            raise ValueError(f"fixture name {src.name} does not match '{dataset.offline_glob}' of '{dataset_id}'")
        shutil.copyfile(src, dest / src.name)
    for dataset_id, (dataset, _module) in DATASETS.items():
        hits = [p.name for p in dest.glob(dataset.offline_glob) if p.is_file()]
        if len(hits) != 1:
            raise ValueError(f"{dest} has {len(hits)} files matching '{dataset.offline_glob}' "
                             f"for '{dataset_id}' (want exactly one): {hits}")
    return dest


if __name__ == "__main__":  # python -m tests.support.fixture_snapshots DEST
    import sys

    print(make_fixture_snapshot_dir(Path(sys.argv[1])))
