"""Background work of notifications: email delivery every minute; reminders, digests and notices of
actions due every quarter of an hour (each organization gets them at its own day and hour)."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from tandem.notifications.delivery import emails_deliver
from tandem.notifications.reminders import reminders_due

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("notifications-deliver-emails")
def deliver_emails() -> None:
    """Send the bursts that are over. The lock keeps two workers from sending the same burst twice."""
    done = emails_deliver()
    if done.emails or done.failed:
        log.info("emails: %s sent (%s notifications), %s failed", done.emails, done.notifications, len(done.failed))


@db_periodic_task(crontab(minute="*/15"))
@HUEY.lock_task("notifications-send-reminders")
def send_reminders() -> None:
    """Reminders, digests and action notices of the organizations whose reminder hour it is. Four runs in that
    hour let a worker restarted within it still send them; the Reminder rows keep each to once."""
    done = reminders_due(now=timezone.now())
    if done["organizations"]:
        log.info(
            "reminders: %s check-in reminders, %s digests, %s action notices in %s organizations",
            done["check_in_reminders"],
            done["digests"],
            done["action_notices"],
            done["organizations"],
        )
