"""The truncation gate: a source that suddenly shrinks, or whose rows are mostly rejected, blocks the publish."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

MAX_REJECT_SHARE = 0.10


@dataclass(frozen=True)
class VolumeGate:
    """Limits against the published warehouse; `accepted` names datasets whose shrink a person accepted."""

    max_row_drop: float = 0.20  # LAYOFFS_AI_MAX_ROW_DROP
    max_reject_share: float = MAX_REJECT_SHARE
    accepted: frozenset[str] = frozenset()


def problems(con: duckdb.DuckDBPyConnection, source: str, run_id: str, gate: VolumeGate) -> dict[str, str]:
    """{"rejects_share" | "no_row_drop": one line} per limit the load of `source` by `run_id` broke
    (none when this run did not load it)."""
    if source in gate.accepted:
        return {}
    loads = con.execute(
        "SELECT rows, rejects, input_rows, run_id FROM raw._loads WHERE source = ? ORDER BY loaded_at DESC LIMIT 2",
        [source]).fetchall()
    if not loads or loads[0][3] != run_id:
        return {}
    rows, rejects, inputs, _ = loads[0]
    hint = f"the published warehouse is unchanged; if this is real: layoffs-ai run --accept-drop {source}"
    out = {}
    if inputs and rejects / inputs > gate.max_reject_share:
        out["rejects_share"] = (f"{source}: {rejects:,} of {inputs:,} input rows were rejected ({rejects / inputs:.1%}), more than "
                                f"the {gate.max_reject_share:.0%} allowed; {hint}")
    if len(loads) == 2 and loads[1][0] > 0:
        before = loads[1][0]
        drop = 1 - rows / before
        if drop > gate.max_row_drop:
            out["no_row_drop"] = (f"{source}: accepted rows fell from {before:,} to {rows:,} (-{drop:.1%}), more "
                                  f"than LAYOFFS_AI_MAX_ROW_DROP={gate.max_row_drop:g} allows; {hint}")
    return out
