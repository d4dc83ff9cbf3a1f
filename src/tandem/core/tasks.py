"""Background tasks of the core: a heartbeat that shows the worker is alive, and the embedded database's
statistics kept fresh."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.core.models import WorkerHeartbeat
from tandem.core.upkeep import statistics_refresh


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Runs every minute; ``/healthz`` and the settings page show its last run."""
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})


@db_periodic_task(crontab(hour="3", minute="40"))
def database_statistics() -> None:
    """Once a day: fresh planner statistics for the embedded database (``core.upkeep``)."""
    statistics_refresh()
