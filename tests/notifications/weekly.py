"""Building blocks of the weekly reminder and digest tests: Lotus's reminder hour two days from now, a cycle
running around it, key results missing a check-in, and a KPI that is red at that time.

Times are relative to today (the demo's check-ins are made when the test session starts), and the demo's
own key results were checked in at load, so at the reminder hour only what a test builds is a week old.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from tandem.kpis import points as kpi_points
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.notifications import tasks
from tandem.notifications.models import Notification
from tandem.okrs import services as okr_services
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.orgs import services as org_services
from tandem.orgs.models import Membership, Team

LOTUS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def reminder_time(admin: Membership, *, days_ahead: int = 2) -> datetime.datetime:
    """Five past nine, ``days_ahead`` days from now in Lotus's time zone, made Lotus's weekly reminder time."""
    day = timezone.now().astimezone(LOTUS_TZ).date() + datetime.timedelta(days=days_ahead)
    org_services.organization_update(by=admin, reminder_weekday=day.weekday(), reminder_hour=9)
    admin.organization.refresh_from_db()
    return datetime.datetime.combine(day, datetime.time(9, 5), tzinfo=LOTUS_TZ)


def run_task_at(when: datetime.datetime) -> None:
    """The worker's periodic task at ``when`` (Huey runs it inline in tests)."""
    with time_machine.travel(when, tick=False):
        tasks.send_reminders()


def running_cycle(admin: Membership, around: datetime.datetime) -> Cycle:
    day = around.astimezone(LOTUS_TZ).date()
    cycle = okr_services.cycle_create(
        by=admin,
        name="Reminder weeks",
        start=day - datetime.timedelta(days=30),
        end=day + datetime.timedelta(days=40),
        kind="custom",
    )
    return okr_services.cycle_advance(by=admin, cycle=cycle, state="active")


def objective_for(admin: Membership, cycle: Cycle, owner: Membership, title: str, **extra: object) -> Objective:
    return okr_services.objective_create(by=admin, cycle=cycle, title=title, owner=owner.pk, **extra)


def key_result(
    admin: Membership,
    objective: Objective,
    owner: Membership,
    *,
    checked_in: datetime.datetime | None,
    created: datetime.datetime,
    kpi: Kpi | None = None,
    confidence: str = "",
) -> KeyResult:
    """A key result of ``owner``, created and last checked in when given (None: never)."""
    made = okr_services.key_result_create(
        by=admin,
        objective=objective,
        title=f"{owner.display_name}'s result {KeyResult.objects.for_org(admin.organization).count()}",
        target_value=10,
        owner=owner.pk,
        kpi=kpi.pk if kpi else None,
    )
    KeyResult.objects.for_org(admin.organization).filter(pk=made.pk).update(
        last_check_in_at=checked_in, created_at=created, confidence=confidence
    )
    made.refresh_from_db()
    return made


def red_kpi(by: Membership, *, team: Team, name: str, day: datetime.date) -> Kpi:
    """An active monthly KPI of ``team``: target 100, red below 90%, and 10 recorded on ``day``."""
    kpi = kpi_services.kpi_create(
        by=by,
        key=name.lower().replace(" ", "_"),
        name=name,
        team=team.pk,
        aggregation="last",
        target=Decimal(100),
        red_threshold=Decimal(90),
    )
    kpi_services.kpi_submit(by=by, kpi=kpi)
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(8), tzinfo=LOTUS_TZ), tick=False):
        kpi_points.data_points_record(by=by, points=[{"kpi": kpi.pk, "date": day.isoformat(), "value": "10"}])
    return kpi


def notifications(person: Membership, event: str) -> list[Notification]:
    return list(
        Notification.objects.for_org(person.organization).filter(recipient=person, event=event).order_by("created_at")
    )


def team(admin: Membership, name: str) -> Team:
    return Team.objects.for_org(admin.organization).get(name=name)
