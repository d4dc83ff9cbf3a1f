"""The people answerable for a KPI hear of it: a change request reaches the approvers and its decision the
requester; a KPI that turns red, or turns into a watermelon, is told once to its owner and managers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from tandem.kpis import points as kpi_points
from tandem.kpis import services
from tandem.kpis.models import Visibility
from tandem.notifications.models import Notification
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def told(person, event: str, kpi=None) -> list[Notification]:  # type: ignore[no-untyped-def]
    found = Notification.objects.for_org(person.organization).filter(recipient=person, event=event)
    return list(found.filter(object_id=str(kpi.pk)) if kpi is not None else found)


def _kpi(by, owner, key: str, **rules):  # type: ignore[no-untyped-def]
    team = Team.objects.for_org(by.organization).get(name="Sales South")
    kpi = services.kpi_create(
        by=by,
        key=key,
        name=key.replace("_", " ").title(),
        owner=owner.pk,
        team=team.pk,
        frequency="month",
        aggregation="last",
        **({"target": Decimal(100), "red_threshold": Decimal(80)} | rules),
    )
    return services.kpi_submit(by=by, kpi=kpi)


def record(by, key: str, value: str) -> None:  # type: ignore[no-untyped-def]
    kpi_points.data_points_record(by=by, points=[{"kpi": key, "date": "2026-11-20", "value": value}])


def test_a_kpi_turning_red_is_told_once_to_its_owner_and_managers(sales_manager, salesperson, admin):
    kpi = _kpi(sales_manager, salesperson, "visits")

    record(salesperson, "visits", "95")
    assert told(salesperson, "kpi.red", kpi) == []

    record(salesperson, "visits", "50")
    [to_owner] = told(salesperson, "kpi.red", kpi)
    assert to_owner.params == {"title": "Visits", "period": "2026-11"}
    assert to_owner.url.endswith(f"/kpis/{to_owner.object_id}/")
    assert len(told(sales_manager, "kpi.red", kpi)) == 1, "Linh manages Sales South and Sales"

    record(salesperson, "visits", "40")
    assert len(told(salesperson, "kpi.red", kpi)) == 1, "still red: not told again"

    record(salesperson, "visits", "100")
    record(salesperson, "visits", "10")
    assert len(told(salesperson, "kpi.red", kpi)) == 2, "green again, then red: told again"


def test_a_watermelon_is_told_with_its_public_red_guardrail(sales_manager, salesperson):
    guard = _kpi(sales_manager, salesperson, "returns", direction="lower", red_threshold=Decimal(120))
    hidden = _kpi(sales_manager, salesperson, "secret_margin", visibility=Visibility.PRIVATE)
    revenue = _kpi(sales_manager, salesperson, "net_sales")
    revenue.guardrails.set([guard, hidden])

    record(salesperson, "net_sales", "120")
    assert told(salesperson, "kpi.watermelon", revenue) == []

    record(salesperson, "returns", "200")  # lower is better: red far beyond its line
    record(salesperson, "secret_margin", "10")
    [flag] = told(salesperson, "kpi.watermelon", revenue)
    assert flag.params == {"title": "Net Sales", "guardrails": "Returns"}, "a private guardrail is never named"

    record(salesperson, "net_sales", "130")
    assert len(told(salesperson, "kpi.watermelon", revenue)) == 1, "still a watermelon: told once"


def test_change_requests_reach_the_approvers_and_the_decision_the_requester(sales_manager, salesperson, warehouse_lead):
    kpi = _kpi(sales_manager, salesperson, "calls")
    request = services.change_request_create(
        by=salesperson, kpi=kpi, changes={"target": Decimal(90)}, reason="Fewer working days in December"
    )
    [asked] = told(sales_manager, "change_request.submitted", kpi)
    assert asked.params["reason"] == "Fewer working days in December"
    assert asked.url.endswith("#change-requests")
    assert told(warehouse_lead, "change_request.submitted", kpi) == [], "not his team"

    services.change_request_reject(by=sales_manager, request=request, comment="Keep the pace")
    [answer] = told(salesperson, "change_request.rejected", kpi)
    assert answer.params["comment"] == "Keep the pace"
    assert answer.actor_id == sales_manager.pk
