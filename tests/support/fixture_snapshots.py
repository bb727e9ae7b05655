"""Build a LAYOFFS_AI_SNAPSHOT_DIR from the hand-written pipeline fixtures: one small CSV per dataset."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from ingestion.sources import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# dataset id -> fixture file (relative to tests/fixtures). The *_pipeline.csv files hold invented events in
# the real formats over several years with a few bad rows (under the 10% reject gate), so that a whole
# run has something to build; the *_ugly.csv files are the parsers' corner cases.
FIXTURE_BY_DATASET: dict[str, str] = {
    "crunchbase_tracker": "crunchbase_tracker/crunchbase_tracker_export_pipeline.csv",
    "layoffs_fyi": "layoffs_fyi/layoffs_fyi_export_pipeline.csv",
    "epoch_notable": "epoch/epoch_notable_ai_models_pipeline.csv",
    "epoch_all": "epoch/epoch_all_ai_models_pipeline.csv",
    "indeed_postings_by_sector": "indeed/indeed_postings_by_sector_us_pipeline.csv",
    "indeed_postings_aggregate": "indeed/indeed_postings_aggregate_us_pipeline.csv",
}


def make_fixture_snapshot_dir(dest: Path) -> Path:
    """Copy one fixture per dataset into `dest` under a name its `offline_glob` matches; return `dest`."""
    missing = sorted(set(DATASETS) - set(FIXTURE_BY_DATASET))
    if missing:
        raise ValueError(f"no fixture chosen for dataset(s) {', '.join(missing)} in FIXTURE_BY_DATASET")
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
