"""Webhook work of the worker: each delivery as soon as its event is committed, and a sweep every minute
for the retries that have come due (and any delivery the queue lost)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from tandem.integrations.webhook_delivery import webhook_deliveries_due, webhook_delivery_send

log = logging.getLogger(__name__)


@db_task()
def webhook_deliver(delivery_id: int) -> None:
    """First attempt at one delivery."""
    webhook_delivery_send(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("integrations-webhook-deliveries")
def webhook_deliver_due() -> None:
    """Retries whose time has come. The lock keeps two workers from sweeping at once."""
    tried = webhook_deliveries_due()
    if tried:
        log.info("webhooks: %s deliveries attempted", tried)
