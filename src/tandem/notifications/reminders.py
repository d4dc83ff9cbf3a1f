"""Weekly check-in reminders and managers' digests, and the schedule the worker runs them on.

Each organization chooses the day and hour (in its time zone) of its weekly reminders and digests;
``reminders_due`` runs every quarter of an hour and sends them during that hour, and each day at that hour
asks the actions app to tell owners about actions due tomorrow or overdue. A reminder goes to a person
once per ISO week of the organization: a :class:`Reminder` row is written with the notification, and its
unique constraint keeps a second run, or a second worker, from sending it again.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.apps import apps
from django.db.models import Count
from django.urls import reverse

from tandem.core.periods import Grain, period_of_instant
from tandem.notifications import digest
from tandem.notifications.models import Reminder
from tandem.notifications.services import notify, reminders_send_once
from tandem.orgs.models import Membership, Organization

log = logging.getLogger(__name__)

CHECK_IN_REMINDER = "check_in_reminder"
DIGEST = "digest"


def week_key(*, organization: Organization, now: datetime.datetime) -> str:
    """The organization's ISO week at ``now``, e.g. "2026-W49": a weekly reminder's occasion."""
    return period_of_instant(Grain.WEEK, now, tz=organization.tz).label


def check_in_reminders_send(*, organization: Organization, now: datetime.datetime) -> int:
    """Remind each active person who owns key results in a running cycle without a check-in for a week
    (KPI-driven ones excepted) to check in, once per week; returns how many people were reminded."""
    counts = dict(
        digest.stale_key_results(organization=organization, now=now)
        .values("owner")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("owner", "count")
    )
    if not counts:
        return 0
    people = list(Membership.objects.for_org(organization).filter(pk__in=list(counts)).order_by("pk"))
    url = f"{reverse('okrs')}?mine=1"

    def send(fresh: list[Membership]) -> None:
        # One notification call per number of key results: the sentence's only parameter.
        by_count: dict[int, list[Membership]] = defaultdict(list)
        for person in fresh:
            by_count[counts[person.pk]].append(person)
        for count, group in sorted(by_count.items()):
            notify(
                actor=None,
                recipients=group,
                event="check_in.reminder",
                obj=organization,
                url=url,
                params={"count": count},
            )

    key = week_key(organization=organization, now=now)
    occasions = {(person.pk, CHECK_IN_REMINDER, key): person for person in people}
    return len(reminders_send_once(organization=organization, occasions=occasions, send=send))


def digests_send(*, organization: Organization, now: datetime.datetime) -> int:
    """Send each manager their weekly digest (see :mod:`tandem.notifications.digest`), once per week, when
    it has something to report; returns how many managers got one."""
    key = week_key(organization=organization, now=now)
    everyone = digest.managers(organization=organization)
    sent = set(
        Reminder.objects.for_org(organization)
        .filter(kind=DIGEST, key=key, recipient__in=[m.pk for m in everyone])
        .values_list("recipient_id", flat=True)
    )
    due = [manager for manager in everyone if manager.pk not in sent]
    if not due:
        return 0
    found = digest.digests(organization=organization, managers=due, now=now)
    worth_it = [manager for manager in due if found[manager.pk]["total"]]
    url = reverse("digest")

    def send(fresh: list[Membership]) -> None:
        for manager in fresh:
            notify(
                actor=None,
                recipients=[manager],
                event="digest.weekly",
                obj=manager,
                url=url,
                params=found[manager.pk]["counts"],
            )

    occasions = {(manager.pk, DIGEST, key): manager for manager in worth_it}
    return len(reminders_send_once(organization=organization, occasions=occasions, send=send))


def _action_due_notices(*, organization: Organization, today: datetime.date) -> int:
    if not apps.is_installed("tandem.actions"):
        return 0
    from tandem.actions.services import action_due_notices

    return action_due_notices(organization=organization, today=today)


def reminders_due(*, now: datetime.datetime) -> dict[str, int]:
    """What the schedule asks for at ``now``, in every organization: at its reminder hour, each day the
    notices of actions due tomorrow or overdue, and on its reminder day the check-in reminders and the
    managers' digests. Safe to run several times within the hour: what was sent is not sent again."""
    done = {"organizations": 0, "check_in_reminders": 0, "digests": 0, "action_notices": 0}
    # The schedule spans every organization; Organization is the tenant itself, not a tenant-owned table.
    for organization in Organization.objects.order_by("pk"):
        local = digest.local_now(organization, now)
        if local.hour != organization.reminder_hour:
            continue
        done["organizations"] += 1
        try:
            done["action_notices"] += _action_due_notices(organization=organization, today=local.date())
            if local.weekday() == organization.reminder_weekday:
                done["check_in_reminders"] += check_in_reminders_send(organization=organization, now=now)
                done["digests"] += digests_send(organization=organization, now=now)
        except Exception:  # one organization's failure must not keep the others from their reminders
            log.exception("reminders of organization %s failed", organization.pk)
    return done
