"""The nightly refresh (observe at 03:00 UTC, rebuild what changed), the publish after a partial build, alerts."""

from __future__ import annotations

import dagster as dg

from .ingestion import TABLES_BY_DATASET, snapshot_key
from ..fingerprint import unchanged
from ..launch_rules import PUBLISHED, awaits_publish
from ..resources import WarehouseResource

SNAPSHOTS = dg.AssetSelection.assets(*(snapshot_key(d) for d in TABLES_BY_DATASET))

observe_sources_job = dg.define_asset_job(
    name="observe_sources",
    selection=SNAPSHOTS,
    description="Fetch every source concurrently and check its layout (a failed source is stale, not fatal).",
)

refresh_all = dg.define_asset_job(
    name="refresh_all",
    selection=dg.AssetSelection.all(include_sources=True),
    description="Fetch every source, load raw, build dbt, run analytics and publish the warehouse (`layoffs-ai run`; "
                "after an observation, `rebuild_what_changed` runs it without the sources).",
)

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=observe_sources_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly at 03:00 UTC: observe every source; `rebuild_what_changed` then rebuilds and publishes "
                "everything when a source or the code changed since the last publish.",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[observe_sources_job],
    request_job=refresh_all,
    default_status=dg.DefaultSensorStatus.RUNNING,
    name="rebuild_what_changed",
    description="After each successful observation: one run of everything but the sources, unless the observed "
                "snapshots and the code are those of the last publish (raw._publish_log).",
)
def rebuild_what_changed(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
    from .ingestion import latest_state

    states = {d: latest_state(context.instance, d) for d in warehouse.settings.datasets}
    if all(s is not None and s.status == "ok" for s in states.values()) and unchanged(
            warehouse.paths.published, {d: s.accepted_sha256 for d, s in states.items()}):
        return dg.SkipReason("nothing changed since the last publish")
    graph = context.repository_def.asset_graph
    keys = [k for k in graph.toposorted_asset_keys if graph.get(k).is_materializable]
    return dg.RunRequest(run_key=context.dagster_run.run_id, asset_selection=keys)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=refresh_all,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
    name="publish_after_build",
    description="After a successful run that built assets without publishing them (e.g. \"Materialize\" on one "
                "asset in the UI): one run of warehouse/published, which publishes the staging folder they were "
                "built in. A failed run publishes nothing: its staging folder is dropped.",
)
def publish_after_build(context: dg.RunStatusSensorContext):
    if not awaits_publish(context.dagster_run.asset_selection):
        return dg.SkipReason("this run published, or built nothing to publish")
    return dg.RunRequest(run_key=f"publish-{context.dagster_run.run_id}", asset_selection=[PUBLISHED])


@dg.run_failure_sensor(
    name="alert_on_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Any failed run: one line in $LAYOFFS_AI_HOME/logs/alerts.log, and a JSON POST to "
                "LAYOFFS_AI_ALERT_WEBHOOK when it is set.",
)
def alert_on_failure(context: dg.RunFailureSensorContext, warehouse: WarehouseResource):
    from ..alerts import alert
    from ..progress import root_message

    event = context.failure_event
    message = root_message(event.step_failure_data.error) if event.is_step_failure else (event.message or "failed")
    problem = alert(warehouse.settings.home, warehouse.settings.alert_webhook, context.dagster_run.job_name,
                    context.dagster_run.run_id, message, warehouse.settings.http)
    if problem:
        context.log.warning(problem)
