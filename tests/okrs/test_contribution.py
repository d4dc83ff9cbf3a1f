"""A person's contribution: the chain from their actions and key results up to the company's objectives, the
KPIs they own, who may open it (the person, their managers, administrators; 404 for anyone else), private
objectives shown only as "private", and a constant number of queries."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.actions import services as action_services
from tandem.core.periods import local_today
from tandem.okrs import contribution, services
from tandem.okrs.models import KeyResult, Objective
from tandem.orgs.models import Membership
from tandem.orgs.selectors import forget_managed_teams

pytestmark = pytest.mark.django_db

COMPANY = "Grow profitably without filling the warehouse"
SALES = "Sell what customers keep"
SOUTH = "Win 30 new accounts in the south"
MINE = "Open 10 pharmacy accounts in District 7"


def _objective(member: Membership, title: str) -> Objective:
    return Objective.objects.for_org(member.organization).get(title=title, cycle__state="active")


def _person(member: Membership, email: str) -> Membership:
    return Membership.objects.for_org(member.organization).select_related("user").get(user__email=email)


def _today(member: Membership) -> datetime.date:
    return local_today(member.organization.tz)


def _contribution(viewer: Membership, person: Membership) -> dict[str, Any]:
    cycle = _objective(person, MINE).cycle
    return contribution.contribution(viewer=viewer, person=person, cycle=cycle, today=_today(viewer))


def _chain_to(chains: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """The steps from the top down to the objective with ``title`` (private steps included)."""
    for step in chains:
        if step.get("title") == title:
            return [step]
        below = _chain_to(step["children"], title)
        if below:
            return [step, *below]
    return []


def _page(client, person: Membership) -> Any:  # type: ignore[no-untyped-def]
    return client.get(f"/people/{person.pk}/contribution/")


def _api(client, person: Membership) -> Any:  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/people/{person.pk}/contribution")


def test_an_s_chain_reaches_the_company_objective_through_sales_and_sales_south(salesperson):
    found = _contribution(salesperson, salesperson)
    chain = _chain_to(found["chains"], MINE)
    assert [s["title"] for s in chain] == [COMPANY, SALES, SOUTH, MINE]
    assert [s["level"] for s in chain] == ["company", "team", "team", "person"]
    assert [s["owner_name"] for s in chain] == ["Company", "Sales", "Sales South", "Phạm Minh An"]
    assert [s["mine"] for s in chain] == [False, False, False, True]
    # Each step's progress is the objective's own, as its page shows it.
    for step in chain:
        assert step["progress"] == _objective(salesperson, step["title"]).progress
    mine = chain[-1]
    assert {kr["title"]: kr["progress"] for kr in mine["key_results"]} == {
        "Pharmacies signed": Decimal("0.6"),
        "Demo visits": Decimal("0.7"),
        "Referral offer launched": Decimal("1"),
    }
    assert mine["progress"] == Decimal("0.7667")  # (0.6 + 0.7 + 1) / 3
    assert chain[2]["progress"] == Decimal("0.475")  # (0.55 + 0.4) / 2
    assert all(kr["confidence"] == "on_track" and kr["last_check_in_at"] for kr in mine["key_results"])
    assert found["key_result_count"] == 4  # his three, and the Sales key result he has an action on


def test_his_kpis_are_listed_with_their_status(salesperson):
    kpis = _contribution(salesperson, salesperson)["kpis"]
    assert [k["name"] for k in kpis] == ["Units shipped"]
    assert kpis[0]["status"] in ("green", "amber", "red") and kpis[0]["target"] == Decimal(2400)
    assert len(kpis[0]["spark"]) == 12


def test_his_actions_appear_under_the_right_key_result(salesperson):
    signed = KeyResult.objects.for_org(salesperson.organization).get(
        title="Pharmacies signed", objective__cycle__state="active"
    )
    soon = _today(salesperson) + datetime.timedelta(days=10)
    action_services.action_create(by=salesperson, key_result=signed, title="Visit Long Chau D7", due_date=soon)
    finished = action_services.action_create(by=salesperson, key_result=signed, title="Print the flyers")
    action_services.action_update(by=salesperson, action=finished, status="done")

    found = _contribution(salesperson, salesperson)
    chain = _chain_to(found["chains"], MINE)
    by_title = {kr["title"]: kr for kr in chain[-1]["key_results"]}
    assert [a["title"] for a in by_title["Pharmacies signed"]["actions"]] == ["Visit Long Chau D7"]
    assert by_title["Demo visits"]["actions"] == []
    # His action on the Sales team's key result shows it under that key result, on the Sales step.
    sales = chain[1]
    assert [(kr["title"], kr["mine"]) for kr in sales["key_results"]] == [("Return rate", False)]
    assert [a["title"] for a in sales["key_results"][0]["actions"]] == [
        "Check every return from District 7 with the pharmacist"
    ]
    # The actions on his KPI are listed on their own.
    assert {a["title"] for a in found["actions"]} == {
        "Stop the extra discount for pharmacies returning more than 5%",
        "Call the three distributors paying 30+ days late",
    }
    assert all(a["kpi"] for a in found["actions"])


def test_the_page_draws_the_chain_and_his_kpis(web, salesperson):
    response = _page(web(salesperson), salesperson)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (COMPANY, SALES, SOUTH, MINE, "Pharmacies signed", "Units shipped", "My contribution"):
        assert text in html
    assert html.index(COMPANY) < html.index(SALES) < html.index(SOUTH) < html.index(MINE)
    assert html.index(MINE) < html.index("Pharmacies signed")


def test_the_api_gives_the_same_chain(api, salesperson):
    response = _api(api(salesperson), salesperson)
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    chain = _chain_to(body["chains"], MINE)
    assert [(s["title"], s["level"], s["progress"]) for s in chain] == [
        (COMPANY, "company", str(_objective(salesperson, COMPANY).progress)),
        (SALES, "team", str(_objective(salesperson, SALES).progress)),
        (SOUTH, "team", "0.4750"),
        (MINE, "person", "0.7667"),
    ]
    assert [k["name"] for k in body["kpis"]] == ["Units shipped"] and body["kpis"][0]["status"]
    assert body["person"] == salesperson.pk and body["cycle"]["state"] == "active"


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "admin"])
def test_the_person_their_manager_and_the_admin_may_open_it(who, request, web, api, salesperson):
    viewer = request.getfixturevalue(who)
    assert _page(web(viewer), salesperson).status_code == 200
    assert _api(api(viewer), salesperson).status_code == 200


@pytest.mark.parametrize("who", ["warehouse_lead", "viewer", "khanh.ngo@lotus.example", "hung.do@lotus.example"])
def test_anyone_else_is_told_it_does_not_exist(who, request, web, api, salesperson):
    viewer = _person(salesperson, who) if "@" in who else request.getfixturevalue(who)
    page, answer = _page(web(viewer), salesperson), _api(api(viewer), salesperson)
    assert page.status_code == 404
    assert answer.status_code == 404 and json.loads(answer.content)["detail"]
    assert not contribution.can_see_contribution(viewer, salesperson)


def test_an_outsider_gets_404(web, api, outsider, salesperson):
    assert _page(web(outsider), salesperson).status_code == 404
    assert _api(api(outsider), salesperson).status_code == 404
    assert not contribution.can_see_contribution(outsider, salesperson)


def test_managers_up_the_reporting_line_and_of_the_person_s_teams_may_open_it(warehouse_lead, sales_manager):
    khanh = _person(warehouse_lead, "khanh.ngo@lotus.example")
    oliver = _person(warehouse_lead, "oliver.smith@lotus.example")
    trang = _person(warehouse_lead, "trang.dang@lotus.example")
    Membership.objects.for_org(warehouse_lead.organization).filter(pk=khanh.pk).update(manager=warehouse_lead)
    Membership.objects.for_org(warehouse_lead.organization).filter(pk=oliver.pk).update(manager=khanh)
    oliver.refresh_from_db()
    khanh.refresh_from_db()
    assert contribution.can_see_contribution(warehouse_lead, khanh)  # a report
    assert contribution.can_see_contribution(warehouse_lead, oliver)  # a report's report
    assert contribution.can_see_contribution(khanh, oliver)
    assert not contribution.can_see_contribution(oliver, khanh)
    # Linh manages Sales, above Sales North: Trang reports to Hung but is in her tree of teams.
    assert contribution.can_see_contribution(sales_manager, trang)
    assert not contribution.can_see_contribution(warehouse_lead, trang)


def test_the_person_page_offers_the_contribution_to_those_who_may_see_it(web, salesperson, sales_manager, viewer):
    link = f"/people/{salesperson.pk}/contribution/"
    assert link in web(sales_manager).get(f"/people/{salesperson.pk}/").content.decode()
    assert link in web(salesperson).get(f"/people/{salesperson.pk}/").content.decode()
    assert link not in web(viewer).get(f"/people/{salesperson.pk}/").content.decode()
    # And everyone finds their own under the account menu.
    assert f"/people/{viewer.pk}/contribution/" in web(viewer).get("/people/").content.decode()
    assert _page(web(viewer), viewer).status_code == 200


def test_a_private_objective_in_the_chain_shows_as_private_to_whoever_may_not_see_it(
    web, api, admin, salesperson, sales_manager
):
    south = _objective(admin, SOUTH)
    services.objective_update(by=admin, objective=south, visibility="private")

    chain = _chain_to(_contribution(salesperson, salesperson)["chains"], MINE)
    assert [s.get("title") for s in chain] == [COMPANY, SALES, None, MINE]
    hidden = chain[2]
    assert hidden["private"] is True and "progress" not in hidden and "id" not in hidden
    assert hidden["key_results"] == []

    html = _page(web(salesperson), salesperson).content.decode()
    assert "Private objective" in html and SOUTH not in html and MINE in html
    body = json.loads(_api(api(salesperson), salesperson).content)
    step = _chain_to(body["chains"], MINE)[2]
    assert step["private"] is True and step["title"] is None and step["progress"] is None and step["id"] is None

    for allowed in (admin, sales_manager):  # the administrator, and the manager of Sales South
        chain = _chain_to(_contribution(allowed, salesperson)["chains"], MINE)
        assert [s["title"] for s in chain] == [COMPANY, SALES, SOUTH, MINE]
        assert chain[2]["progress"] == Decimal("0.475")
    assert SOUTH in _page(web(admin), salesperson).content.decode()


def test_no_cycle_is_an_empty_chain_with_the_kpis(salesperson):
    found = contribution.contribution(viewer=salesperson, person=salesperson, cycle=None, today=_today(salesperson))
    assert found["chains"] == [] and [k["name"] for k in found["kpis"]] == ["Units shipped"]


def _grow(admin: Membership, salesperson: Membership, cycle_id: int) -> None:
    """Two more chains, deeper than the demo's, with more of An's key results and actions on them."""
    cycle = _objective(admin, MINE).cycle
    assert cycle.pk == cycle_id
    soon = _today(admin) + datetime.timedelta(days=10)
    for n in range(2):
        parent = services.objective_create(by=admin, cycle=cycle, title=f"Company {n}")
        for depth in range(4):
            # One level of each chain is private: An and Linh see a private step there.
            visibility = "private" if depth == 1 else "public"
            parent = services.objective_create(
                by=admin, cycle=cycle, title=f"Level {n}.{depth}", parent=parent.pk, visibility=visibility
            )
            services.key_result_create(by=admin, objective=parent, title=f"Theirs {n}.{depth}", target_value=5)
        leaf = services.objective_create(
            by=salesperson, cycle=cycle, title=f"An's {n}", parent=parent.pk, owner=salesperson.pk
        )
        for k in range(3):
            kr = services.key_result_create(by=salesperson, objective=leaf, title=f"An KR {n}.{k}", target_value=9)
            action_services.action_create(by=salesperson, key_result=kr, title=f"Do {n}.{k}", due_date=soon)
        # A key result of his on a team objective, high up another chain.
        services.key_result_create(
            by=admin, objective=parent, title=f"His part {n}", target_value=3, owner=salesperson.pk
        )


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "admin"])
def test_a_constant_number_of_queries_whatever_the_depth_and_count(who, request, web, api, admin, salesperson):
    viewer = request.getfixturevalue(who)
    cycle = _objective(admin, MINE).cycle
    page, answer, today = web(viewer), api(viewer), _today(viewer)

    def measure() -> tuple[int, int, int]:
        forget_managed_teams(viewer)  # as a new request's membership would
        with CaptureQueriesContext(connection) as direct:
            contribution.contribution(viewer=viewer, person=salesperson, cycle=cycle, today=today)
        with CaptureQueriesContext(connection) as html:
            assert _page(page, salesperson).status_code == 200
        with CaptureQueriesContext(connection) as json_:
            assert _api(answer, salesperson).status_code == 200
        return len(direct), len(html), len(json_)

    _api(answer, salesperson)  # the token's first use is recorded once
    few = measure()
    _grow(admin, salesperson, cycle.pk)
    many = measure()
    found = _contribution(viewer, salesperson)
    chain = _chain_to(found["chains"], "An's 1")
    assert len(chain) == 6 and found["key_result_count"] == 4 + 2 * 4
    assert many == few, (few, many)
    # Measured: 19 for the selector as a member or manager (15 as an administrator), most of them the KPIs'.
    assert few[0] <= 22, few
