"""The truncation gate: a source that suddenly shrinks, or whose rows are mostly rejected, blocks the publish."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

MAX_REJECT_SHARE = 0.10

# The latest two loads of a source with the rows staging accepted from each (staging.load_outcomes; a load that
# an older staging completed in raw._loads itself, or that staging never typed, counts its raw rows).
OUTCOMES = "SELECT source, snapshot_sha256, accepted_rows FROM staging.load_outcomes"
NO_OUTCOMES = "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS snapshot_sha256, NULL::BIGINT AS accepted_rows"
LOADS_SQL = """SELECT coalesce(o.accepted_rows, l.rows), l.rejects, l.input_rows, l.run_id
FROM raw._loads AS l LEFT JOIN ({outcomes}) AS o ON o.source = l.source AND o.snapshot_sha256 = l.sha256
WHERE l.source = ? ORDER BY l.loaded_at DESC LIMIT 2"""


def _has_outcomes(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging' "
                       "AND table_name = 'load_outcomes'").fetchone()[0] > 0


@dataclass(frozen=True)
class VolumeGate:
    """Limits against the published warehouse; `accepted` names datasets whose shrink a person accepted."""

    max_row_drop: float = 0.20  # LAYOFFS_AI_MAX_ROW_DROP
    max_reject_share: float = MAX_REJECT_SHARE
    accepted: frozenset[str] = frozenset()


def problems(con: duckdb.DuckDBPyConnection, source: str, table: str, run_id: str,
             gate: VolumeGate) -> dict[str, str]:
    """{"rejects_share" | "no_row_drop": one line} per limit the load of `source` by `run_id` broke (none when this
    run did not load it), once staging has typed it: accepted rows are the staging `table`'s rows of `source`."""
    if source in gate.accepted:
        return {}
    sql = LOADS_SQL.format(outcomes=OUTCOMES if _has_outcomes(con) else NO_OUTCOMES)
    loads = con.execute(sql, [source]).fetchall()
    if not loads or loads[0][3] != run_id:
        return {}
    accepted = con.execute(f"SELECT count(*) FROM staging.{table} WHERE source = ?", [source]).fetchone()[0]
    inputs = loads[0][2]
    rows, rejects = accepted, inputs - accepted  # input lines = accepted + framing + typing rejects
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
