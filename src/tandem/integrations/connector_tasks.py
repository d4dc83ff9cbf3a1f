"""Connector work of the worker: one run when asked ("Run now", a schedule, a retry), and a sweep every minute
that starts the connectors whose time has come, in every organization."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from tandem.integrations import runner, schedule
from tandem.integrations.models import Connector, ConnectorHealth, RunTrigger

log = logging.getLogger(__name__)


@db_task()
def connector_run_task(connector_id: int, trigger: str = RunTrigger.MANUAL) -> None:
    """One run of a connector, found by id: the queue carries no organization, the connector names its own."""
    connector = (
        Connector.objects.unscoped()
        .select_related("organization", "owner__organization", "owner__user", "kpi")
        .filter(pk=connector_id)
        .first()
    )
    if connector is None:
        log.info("connector %s: gone before its run", connector_id)
        return
    runner.connector_run(connector=connector, trigger=trigger)


def connectors_due_enqueue() -> int:
    """Queue a run of every enabled connector whose next run time has passed, in every organization (one
    query), and move its next run time on so the next sweep does not queue it again while it waits; the run
    sets the real next time when it ends. Returns how many were queued."""
    now = timezone.now()
    due = list(
        Connector.objects.unscoped()
        .filter(enabled=True, next_run_at__lte=now)
        .select_related("organization")
        .only("pk", "health", "next_run_at", "schedule_kind", "schedule_value", "organization__time_zone")
        .order_by("next_run_at")
    )
    queued = 0
    for connector in due:
        hold = schedule.next_run(
            connector.schedule_kind, connector.schedule_value, after=now, tz=connector.organization.tz
        ) or (now + runner.RETRY_CAP)
        # Only if no other sweep moved it first: each due time is queued once.
        moved = (
            Connector.objects.unscoped()
            .filter(pk=connector.pk, next_run_at=connector.next_run_at)
            .update(next_run_at=hold)
        )
        if not moved:
            continue
        retrying = connector.health in (ConnectorHealth.RETRYING, ConnectorHealth.FAILING)
        connector_run_task(connector.pk, RunTrigger.RETRY if retrying else RunTrigger.SCHEDULE)
        queued += 1
    return queued


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("integrations-connectors-due")
def connectors_due() -> None:
    """Every minute. The lock keeps two workers from sweeping at once."""
    queued = connectors_due_enqueue()
    if queued:
        log.info("connectors: %s runs queued", queued)
