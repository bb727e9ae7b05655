"""What the report and charts say about each source: status, data-through and retrieval dates, sha256, licence."""

import json
from pathlib import Path

from ingestion import sources
from safetext import redact_url
from warehouse import source_status


def source_provenance(con) -> list[dict]:
    """Every dataset: name, url, status, data-through and retrieval dates, sha256, license (status table +
    the sidecar of the snapshot its rows come from)."""
    loads = dict((r[0], r[1:]) for r in con.execute(
        "SELECT source, sha256, snapshot_path FROM raw._loads QUALIFY row_number() OVER "
        "(PARTITION BY source ORDER BY loaded_at DESC) = 1").fetchall())
    out = []
    statuses = source_status.read(con)
    for dataset, status in sorted(statuses.items(), key=lambda item: list(sources.DATASETS).index(item[0])
                                  if item[0] in sources.DATASETS else len(sources.DATASETS)):
        sha, path = loads.get(dataset, ("", ""))
        sidecar = Path(f"{path}.json")
        meta = json.loads(sidecar.read_text()) if path and sidecar.exists() else {}
        declared = sources.get(dataset)[0]
        origin = declared.origin
        out.append({
            "name": meta.get("origin_name") or origin.name, "dataset": dataset,
            "url": redact_url(meta.get("origin_url") or meta.get("url") or origin.url), "status": status.status,
            "error": status.last_error or "",
            "data_through": status.data_through.isoformat() if status.data_through else "",
            "retrieved": status.retrieved_at.date().isoformat() if status.retrieved_at else "",
            "sha256": sha, "license": meta.get("license") or origin.license,
            "citation": meta.get("citation") or origin.citation, "topics": list(declared.topics),
        })
    return out
