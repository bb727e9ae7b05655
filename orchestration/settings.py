"""Runtime settings read from environment variables when resources are built (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    """Where the pipeline writes and where it reads source files from."""

    home: Path
    snapshot_dir: Path | None
    url_overrides: dict[str, str] = field(default_factory=dict)  # dataset id -> live URL

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def charts_dir(self) -> Path:
        return self.home / "charts"

    @property
    def report_dir(self) -> Path:
        return self.home / "report"

    @property
    def mode(self) -> str:
        return f"offline snapshots from {self.snapshot_dir}" if self.snapshot_dir else "live fetching"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = Path(env.get("LAYOFFS_AI_HOME") or "data").expanduser().resolve()
        snap = env.get("LAYOFFS_AI_SNAPSHOT_DIR") or None
        snapshot_dir = Path(snap).expanduser().resolve() if snap else None
        if snapshot_dir is not None and not snapshot_dir.is_dir():
            raise ValueError(f"LAYOFFS_AI_SNAPSHOT_DIR={snap} is not a directory")
        prefix = "LAYOFFS_AI_URL_"  # e.g. LAYOFFS_AI_URL_LAYOFFS_FYI=https://.../export.csv
        overrides = {k[len(prefix):].lower(): v for k, v in env.items() if k.startswith(prefix) and v}
        return cls(home=home, snapshot_dir=snapshot_dir, url_overrides=overrides)
