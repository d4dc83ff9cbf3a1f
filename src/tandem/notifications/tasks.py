"""Background work of notifications: email delivery every minute (reminders and digests join below)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from tandem.notifications.delivery import emails_deliver

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("notifications-deliver-emails")
def deliver_emails() -> None:
    """Send the bursts that are over. The lock keeps two workers from sending the same burst twice."""
    done = emails_deliver()
    if done.emails or done.failed:
        log.info("emails: %s sent (%s notifications), %s failed", done.emails, done.notifications, len(done.failed))
