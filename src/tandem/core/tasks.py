"""Background tasks of the core: a heartbeat that shows the worker is alive."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.core.models import WorkerHeartbeat


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Runs every minute; ``/healthz`` and the settings page show its last run."""
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"beat_at": timezone.now()})
