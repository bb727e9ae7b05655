"""`dbt source freshness` inside the dbt step: one WARN check per model built straight from raw sources."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

CHECK = "dbt_source_freshness"


def freshness_targets(manifest: Mapping[str, Any], key_of: Callable[[str], dg.AssetKey]) -> dict[dg.AssetKey, list]:
    """Asset key of each model reading a source that has a freshness config -> those sources' names."""
    out: dict[dg.AssetKey, list] = {}
    for uid, source in manifest["sources"].items():
        if not (source.get("freshness") or {}).get("warn_after", {}).get("count"):
            continue
        for child in manifest["child_map"].get(uid, []):
            if child.startswith("model."):
                out.setdefault(key_of(child), []).append(f"{source['source_name']}.{source['name']}")
    return out


def freshness_check_specs(targets: Mapping[dg.AssetKey, list]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(CHECK, asset=key, description=(
        f"dbt source freshness of {', '.join(sources)} (warn_after / error_after in the source yml, measured "
        "on raw._loads), run in the same step before the build: fails (WARN) when dbt reports warn or error."))
        for key, sources in targets.items()]


def run_freshness(dbt, dbt_vars: str, target: Path, wanted: Mapping[dg.AssetKey, list]) -> list[dg.AssetCheckResult]:
    """Run `dbt source freshness` for the sources behind `wanted` and turn sources.json into check results."""
    sources = sorted({s for names in wanted.values() for s in names})
    if not sources:
        return []
    selection = [arg for s in sources for arg in ("--select", f"source:{s}")]
    invocation = dbt.cli(["source", "freshness", "--target", "pipeline", "--vars", dbt_vars, *selection],
                         target_path=target, raise_on_error=False).wait()
    if (invocation.process.returncode or 0) < 0:  # killed by a signal (the run is being stopped): build nothing
        raise RuntimeError(f"dbt source freshness was stopped by signal {-invocation.process.returncode}")
    path = target / "sources.json"
    results = {}
    if path.exists():
        results = {".".join(r["unique_id"].split(".")[-2:]): r for r in json.loads(path.read_text())["results"]}
    out = []
    for key, names in wanted.items():
        found = [results.get(name, {"status": "not run"}) for name in names]
        bad = [f"{name}: {r.get('status')}" for name, r in zip(names, found) if r.get("status") != "pass"]
        ages = [r["age"] / 3600 for r in found if isinstance(r.get("age"), (int, float))]
        out.append(dg.AssetCheckResult(
            asset_key=key, check_name=CHECK, passed=not bad, severity=dg.AssetCheckSeverity.WARN,
            description=("dbt source freshness: " + "; ".join(bad)) if bad else None,
            metadata={"sources": ", ".join(names), "max_age_hours": round(max(ages), 1) if ages else -1.0,
                      "statuses": ", ".join(str(r.get("status")) for r in found)}))
    return out
