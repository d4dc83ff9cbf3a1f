"""Fixtures for boards: the warehouse lead's private KPI and private objective, public metrics of the demo,
and a board maker."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

from tandem.boards import services
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.okrs import services as okr_services
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.orgs.models import Team

HTMX = {"HTTP_HX_REQUEST": "true"}


def body(response: Any) -> Any:
    return json.loads(response.content)


def post(client: Any, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(payload), content_type="application/json")


def patch(client: Any, url: str, payload: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(payload), content_type="application/json")


@pytest.fixture
def private_kpi(admin, warehouse_lead):  # type: ignore[no-untyped-def]
    """A private KPI of the warehouse, owned by its lead: the sales people may not see it."""
    warehouse = Team.objects.for_org(admin.organization).get(name="Warehouse")
    kpi = kpi_services.kpi_create(
        by=admin,
        key="pick_errors",
        name="Pick errors",
        team=warehouse.pk,
        owner=warehouse_lead.pk,
        visibility="private",
        direction="lower",
        target=Decimal(5),
        threshold_mode="absolute",
        amber_threshold=Decimal(5),
        red_threshold=Decimal(8),
    )
    kpi_services.kpi_submit(by=admin, kpi=kpi)
    return kpi


@pytest.fixture
def public_kpi(admin):  # type: ignore[no-untyped-def]
    return Kpi.objects.for_org(admin.organization).get(key="net_revenue")


@pytest.fixture
def cycle(admin):  # type: ignore[no-untyped-def]
    return Cycle.objects.for_org(admin.organization).get(state="active", name__startswith="Q")


@pytest.fixture
def private_objective(warehouse_lead, cycle):  # type: ignore[no-untyped-def]
    """The warehouse lead's private objective with one key result."""
    objective = okr_services.objective_create(
        by=warehouse_lead,
        cycle=cycle,
        title="Quietly fix the picking",
        owner=warehouse_lead.pk,
        visibility="private",
    )
    okr_services.key_result_create(by=warehouse_lead, objective=objective, title="Pick errors per week", target_value=3)
    return objective


@pytest.fixture
def public_objective(admin):  # type: ignore[no-untyped-def]
    return Objective.objects.for_org(admin.organization).filter(title="Sell what customers keep").latest("cycle__start")


@pytest.fixture
def public_key_result(admin):  # type: ignore[no-untyped-def]
    return (
        KeyResult.objects.for_org(admin.organization)
        .select_related("objective__cycle")
        .filter(title="Return rate")
        .latest("objective__cycle__start")
    )


@pytest.fixture
def make_board():  # type: ignore[no-untyped-def]
    def make(by, name: str = "Ops review", visibility: str = "private", **extra):  # type: ignore[no-untyped-def]
        return services.board_create(by=by, name=name, visibility=visibility, **extra)

    return make


def days_ago(n: int) -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=n)
