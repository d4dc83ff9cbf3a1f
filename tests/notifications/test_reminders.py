"""Weekly check-in reminders, run by the worker's periodic task with the clock moved: at the organization's
day and hour only, once per person per week, never for key results checked in lately or driven by a KPI;
and the organization's schedule, set by its administrators."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import translation

from tandem.core.models import AuditEvent
from tandem.kpis.models import Kpi
from tandem.notifications import reminders
from tandem.notifications.delivery import emails_deliver
from tandem.notifications.events import EVENTS
from tandem.notifications.models import EmailState, Notification, Reminder
from tandem.okrs import services as okr_services

from .weekly import (
    key_result,
    notifications,
    objective_for,
    reminder_time,
    run_task_at,
    running_cycle,
    team,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def week(admin, salesperson):  # type: ignore[no-untyped-def]
    """Lotus's reminder time, and An with two key results last checked in eight days before it."""
    at = reminder_time(admin)
    cycle = running_cycle(admin, at)
    objective = objective_for(admin, cycle, salesperson, "Open the Mekong delta")
    for _n in range(2):
        key_result(admin, objective, salesperson, checked_in=at - 8 * DAY, created=at - 20 * DAY)
    return {"at": at, "cycle": cycle, "objective": objective}


def test_the_reminder_goes_out_at_the_organizations_day_and_hour_only(week, salesperson, outsider):
    at = week["at"]
    for not_now in (at - HOUR, at + HOUR, at - DAY, at + DAY):
        run_task_at(not_now)
    assert notifications(salesperson, "check_in.reminder") == []

    run_task_at(at)

    [reminder] = notifications(salesperson, "check_in.reminder")
    assert reminder.params == {"count": 2}
    assert reminder.url == "/okrs/?mine=1"
    assert reminder.actor is None
    assert reminder.in_app and reminder.email_state == EmailState.PENDING
    # Orchid (Madrid) has its own hour: 09:05 in Ho Chi Minh City is not it.
    assert notifications(outsider, "check_in.reminder") == []


def test_running_twice_in_a_week_reminds_once_and_the_next_week_again(week, salesperson):
    at = week["at"]
    run_task_at(at)
    run_task_at(at + datetime.timedelta(minutes=15))
    run_task_at(at + datetime.timedelta(minutes=45))

    assert len(notifications(salesperson, "check_in.reminder")) == 1
    key = reminders.week_key(organization=salesperson.organization, now=at)
    assert key == f"{at.isocalendar().year}-W{at.isocalendar().week:02d}"
    assert (
        Reminder.objects.for_org(salesperson.organization)
        .filter(recipient=salesperson, kind=reminders.CHECK_IN_REMINDER, key=key)
        .exists()
    )

    run_task_at(at + WEEK)

    assert len(notifications(salesperson, "check_in.reminder")) == 2


def test_a_reminder_another_run_already_sent_is_not_sent_again(week, salesperson):
    key = reminders.week_key(organization=salesperson.organization, now=week["at"])
    Reminder.objects.for_org(salesperson.organization).create(
        organization=salesperson.organization, recipient=salesperson, kind=reminders.CHECK_IN_REMINDER, key=key
    )

    assert reminders.check_in_reminders_send(organization=salesperson.organization, now=week["at"]) == 0
    assert notifications(salesperson, "check_in.reminder") == []


def test_recent_check_ins_kpi_driven_results_and_other_cycles_get_no_reminder(week, admin):
    at, cycle = week["at"], week["cycle"]
    people = {p.user.email: p for p in team(admin, "Sales").members.all() | team(admin, "Sales South").members.all()}
    khanh, oliver, grace = (people[f"{name}@lotus.example"] for name in ("khanh.ngo", "oliver.smith", "grace.lee"))
    recent = objective_for(admin, cycle, khanh, "Keep the pharmacies")
    key_result(admin, recent, khanh, checked_in=at - 2 * DAY, created=at - 20 * DAY)
    key_result(admin, recent, khanh, checked_in=None, created=at - 2 * DAY)  # new: a week has not passed yet
    driven = objective_for(admin, cycle, oliver, "Follow the revenue")
    kpi = Kpi.objects.for_org(admin.organization).filter(state="active").first()
    key_result(admin, driven, oliver, checked_in=None, created=at - 20 * DAY, kpi=kpi)
    today = at.date()
    planning = okr_services.cycle_create(by=admin, name="Next", start=today - 5 * DAY, end=today + 60 * DAY)
    ended = okr_services.cycle_create(by=admin, name="Ended", start=today - 60 * DAY, end=today - DAY)
    okr_services.cycle_advance(by=admin, cycle=ended, state="active")
    for other in (planning, ended):
        objective = objective_for(admin, other, grace, f"Grace in {other.name}")
        key_result(admin, objective, grace, checked_in=at - 30 * DAY, created=at - 40 * DAY)

    run_task_at(at)

    assert len(notifications(week["objective"].owner, "check_in.reminder")) == 1
    for person in (khanh, oliver, grace):
        assert notifications(person, "check_in.reminder") == [], person


def test_the_reminder_email_speaks_the_persons_language(week, smtp_server, settings, salesperson):
    salesperson.user.language = "vi"
    salesperson.user.save(update_fields=["language"])
    at = week["at"]
    # What setting up the week told An is not news here: the email carries what the reminder hour brings.
    Notification.objects.for_org(salesperson.organization).update(email_state=EmailState.NONE)

    run_task_at(at)
    emails_deliver(now=at + datetime.timedelta(seconds=settings.EMAIL_BATCH_MAX_SECONDS + 1))

    [message] = smtp_server.to("an.pham@lotus.example")
    text = message.get_body(("plain",)).get_content()
    with translation.override("vi"):
        vietnamese = str(EVENTS["check_in.reminder"].sentence) % {"count": 2}
    with translation.override("en"):
        english = str(EVENTS["check_in.reminder"].sentence) % {"count": 2}
    assert vietnamese in text
    if vietnamese != english:
        assert english not in text
    assert f"{settings.SITE_URL}/okrs/?mine=1" in text


# The organization's schedule ------------------------------------------------------------------------


def test_admins_set_the_reminder_day_and_hour_through_the_api(api, admin):
    client = api(admin)
    before = json.loads(client.get("/api/v1/organization").content)
    assert (before["reminder_weekday"], before["reminder_hour"]) == (0, 9)

    response = client.patch(
        "/api/v1/organization", {"reminder_weekday": 4, "reminder_hour": 16}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["reminder_weekday"], response.json()["reminder_hour"]) == (4, 16)
    event = AuditEvent.objects.for_org(admin.organization).filter(object_type="organization").latest("id")
    assert event.changes == {"reminder_hour": [9, 16], "reminder_weekday": [0, 4]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reminder_hour": 24}, "reminder_hour"),
        ({"reminder_hour": -1}, "reminder_hour"),
        ({"reminder_weekday": 7}, "reminder_weekday"),
        ({"reminder_weekday": None}, "reminder_weekday"),
    ],
)
def test_a_bad_reminder_day_or_hour_is_a_field_error(api, admin, body, field):
    response = api(admin).patch("/api/v1/organization", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    admin.organization.refresh_from_db()
    assert (admin.organization.reminder_weekday, admin.organization.reminder_hour) == (0, 9)


def test_only_admins_change_the_schedule(api, sales_manager):
    response = api(sales_manager).patch("/api/v1/organization", {"reminder_hour": 7}, content_type="application/json")
    assert response.status_code == 403


def test_the_settings_page_sets_the_schedule(web, admin):
    client = web(admin)
    page = client.get("/settings/").content.decode()
    assert "Weekly reminders and digests: day" in page and "Weekly reminders and digests: hour" in page
    form = {
        "section": "organization",
        "name": "Lotus Distribution",
        "time_zone": "Asia/Ho_Chi_Minh",
        "fiscal_year_start_month": "1",
        "language": "en",
        "reminder_weekday": "2",
        "reminder_hour": "8",
    }

    assert client.post("/settings/", form).status_code == 302
    admin.organization.refresh_from_db()
    assert (admin.organization.reminder_weekday, admin.organization.reminder_hour) == (2, 8)
    assert client.post("/settings/", form | {"reminder_hour": "24"}).status_code == 422
