"""The managers' weekly digest: sent by the worker to each manager with something to report, about their
own teams only, once a week; and the digest page, for managers, administrators and everyone else."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.actions import services as action_services
from tandem.actions.models import Action
from tandem.notifications.digest import digest_for
from tandem.notifications.models import EmailState
from tandem.orgs import services as org_services
from tandem.orgs.models import Membership, Role, User

from .weekly import (
    LOTUS_TZ,
    key_result,
    notifications,
    objective_for,
    red_kpi,
    reminder_time,
    run_task_at,
    running_cycle,
    team,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _person(admin: Membership, email: str) -> Membership:
    return Membership.objects.for_org(admin.organization).select_related("user").get(user__email=email)


def _overdue_action(by: Membership, *, kpi, owner: Membership, title: str, due: datetime.date) -> Action:  # type: ignore[no-untyped-def]
    action = action_services.action_create(
        by=by, title=title, kpi=kpi, owner=owner.pk, due_date=timezone.now().date() + DAY
    )
    Action.objects.for_org(by.organization).filter(pk=action.pk).update(due_date=due)
    return action


def _week(admin, sales_manager, salesperson, warehouse_lead, at):  # type: ignore[no-untyped-def]
    """In each of Linh's and Minh's teams: a red KPI, someone a week without a check-in, an objective at risk
    and an overdue action."""
    today = at.astimezone(LOTUS_TZ).date()
    cycle = running_cycle(admin, at)
    south = red_kpi(sales_manager, team=team(admin, "Sales South"), name="South pharmacy orders", day=today)
    docks = red_kpi(warehouse_lead, team=team(admin, "Warehouse"), name="Dock delays", day=today)
    duc = _person(admin, "duc.phan@lotus.example")
    for owner, title in ((salesperson, "Open the Mekong delta"), (duc, "Clear the dock by noon")):
        objective = objective_for(admin, cycle, owner, title)
        key_result(admin, objective, owner, checked_in=at - 9 * DAY, created=at - 30 * DAY, confidence="off_track")
    _overdue_action(sales_manager, kpi=south, owner=salesperson, title="Call the Can Tho pharmacies", due=today - DAY)
    _overdue_action(warehouse_lead, kpi=docks, owner=duc, title="Fix dock door 3", due=today - 2 * DAY)
    return {"cycle": cycle, "south": south, "docks": docks, "duc": duc}


def _names(digest: dict, section: str, key: str = "name") -> set[str]:  # type: ignore[type-arg]
    return {item[key] for item in digest[section]}


def test_the_weekly_digest_tells_each_manager_about_their_own_teams(admin, sales_manager, salesperson, warehouse_lead):
    at = reminder_time(admin)
    _week(admin, sales_manager, salesperson, warehouse_lead, at)

    run_task_at(at)
    run_task_at(at + datetime.timedelta(minutes=30))

    [sent] = notifications(sales_manager, "digest.weekly")
    assert sent.url == "/notifications/digest/" and sent.actor is None
    assert sent.email_state == EmailState.PENDING and not sent.in_app  # a digest is an email unless chosen otherwise
    linh = digest_for(manager=sales_manager, now=at)
    assert sent.params == linh["counts"]
    assert linh["teams"] == ["Sales", "Sales North", "Sales South"]
    assert "South pharmacy orders" in _names(linh, "red") and "Dock delays" not in _names(linh, "red")
    assert {"Phạm Minh An"} <= _names(linh, "missing") and "Phan Văn Đức" not in _names(linh, "missing")
    assert "Open the Mekong delta" in _names(linh, "at_risk", "title")
    assert "Clear the dock by noon" not in _names(linh, "at_risk", "title")
    assert "Call the Can Tho pharmacies" in _names(linh, "overdue", "title")
    assert "Fix dock door 3" not in _names(linh, "overdue", "title")
    assert all(item["status"] == "amber" for item in linh["amber"])

    [minhs] = notifications(warehouse_lead, "digest.weekly")
    minh = digest_for(manager=warehouse_lead, now=at)
    assert minhs.params == minh["counts"]
    assert "Dock delays" in _names(minh, "red") and "South pharmacy orders" not in _names(minh, "red")
    assert _names(minh, "missing") == {"Phan Văn Đức"}
    assert "Fix dock door 3" in _names(minh, "overdue", "title")

    run_task_at(at + 7 * DAY)
    assert len(notifications(sales_manager, "digest.weekly")) == 2


def test_no_digest_for_a_manager_with_nothing_to_report_nor_for_other_people(admin, salesperson, viewer):
    at = reminder_time(admin)
    user = User.objects.create_user("quiet@lotus.example", full_name="Quiet Manager")
    quiet = org_services.person_add(by=admin, user=user, role=Role.MANAGER)
    org_services.team_create(by=admin, name="Quiet corner", manager=quiet.pk)

    run_task_at(at)

    assert digest_for(manager=quiet, now=at)["total"] == 0
    for person in (quiet, salesperson, viewer):
        assert notifications(person, "digest.weekly") == []


def test_a_private_objective_is_in_the_digest_of_those_who_may_see_it_only(admin, sales_manager):
    at = reminder_time(admin)
    cycle = running_cycle(admin, at)
    trang, hung = _person(admin, "trang.dang@lotus.example"), _person(admin, "hung.do@lotus.example")
    objective = objective_for(admin, cycle, trang, "Quietly win the north", visibility="private")
    key_result(admin, objective, trang, checked_in=at - DAY, created=at - 30 * DAY, confidence="at_risk")

    # Trang reports to Hung: he sees her private objective; Linh, above him, does not.
    assert "Quietly win the north" in _names(digest_for(manager=hung, now=at), "at_risk", "title")
    assert "Quietly win the north" not in _names(digest_for(manager=sales_manager, now=at), "at_risk", "title")
    assert "Quietly win the north" in _names(digest_for(manager=admin, now=at), "at_risk", "title")


# The digest page ------------------------------------------------------------------------------------


@pytest.fixture
def this_week(admin, sales_manager, salesperson, warehouse_lead):  # type: ignore[no-untyped-def]
    return _week(admin, sales_manager, salesperson, warehouse_lead, timezone.now())


def test_the_digest_page_shows_a_managers_teams_with_links(web, this_week, sales_manager, salesperson):
    response = web(sales_manager).get("/notifications/digest/")

    assert response.status_code == 200
    text = response.content.decode()
    for section in ("Red and amber KPIs", "Objectives at risk", "Overdue actions", "No check-in for a week"):
        assert section in text
    assert f'href="/kpis/{this_week["south"].pk}/"' in text and "Off target" in text
    assert "Dock delays" not in text and "Fix dock door 3" not in text
    assert "Call the Can Tho pharmacies" in text and "Open the Mekong delta" in text
    assert f'href="/okrs/?owner={salesperson.pk}"' in text
    assert "Sales South" in text


def test_an_administrator_sees_every_team(web, this_week, admin):
    text = web(admin).get("/notifications/digest/").content.decode()
    assert "South pharmacy orders" in text and "Dock delays" in text and "Phan Văn Đức" in text


@pytest.mark.parametrize("who", ["salesperson", "viewer"])
def test_people_who_manage_no_team_are_told_so(web, request, this_week, who):
    response = web(request.getfixturevalue(who)).get("/notifications/digest/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "You manage no team" in text
    assert "South pharmacy orders" not in text and "Open the Mekong delta" not in text


def test_an_outsider_sees_only_their_own_organization(web, this_week, outsider):
    text = web(outsider).get("/notifications/digest/").content.decode()
    assert "Buying" in text
    for lotus in ("South pharmacy orders", "Phạm Minh An", "Sales South", "Warehouse", "Lotus"):
        assert lotus not in text


def test_the_digest_page_is_read_only(web, sales_manager):
    assert web(sales_manager).post("/notifications/digest/").status_code == 405


def _queries(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/notifications/digest/").status_code == 200
    return len(queries)


def test_the_digest_page_costs_the_same_queries_as_the_team_grows(web, this_week, admin, sales_manager):
    client = web(sales_manager)
    _queries(client)  # the first request warms per-process caches
    before = _queries(client)
    south = team(admin, "Sales South")
    now = timezone.now()
    for n in range(4):
        user = User.objects.create_user(f"new.rep{n}@lotus.example", full_name=f"New Rep {n}")
        rep = org_services.person_add(by=admin, user=user, manager=sales_manager)
        org_services.team_member_add(by=admin, team=south, person=rep)
        objective = objective_for(admin, this_week["cycle"], rep, f"Grow territory {n}")
        key_result(admin, objective, rep, checked_in=None, created=now - 30 * DAY, confidence="at_risk")
        kpi = red_kpi(sales_manager, team=south, name=f"Territory {n} orders", day=now.astimezone(LOTUS_TZ).date())
        _overdue_action(sales_manager, kpi=kpi, owner=rep, title=f"Visit territory {n}", due=now.date() - DAY)

    digest = digest_for(manager=sales_manager, now=timezone.now())
    assert {f"New Rep {n}" for n in range(4)} <= _names(digest, "missing")
    assert {f"Territory {n} orders" for n in range(4)} <= _names(digest, "red")
    assert {f"Visit territory {n}" for n in range(4)} <= _names(digest, "overdue", "title")
    assert _queries(client) == before
