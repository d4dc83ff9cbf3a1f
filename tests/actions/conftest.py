"""Fixtures for actions: a day to live on, a KPI of the Sales South team, a private warehouse KPI, and a key
result on an objective of the salesperson's."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from tandem.actions import services
from tandem.kpis import services as kpi_services
from tandem.okrs import services as okr_services
from tandem.orgs.models import Team

# 10:00 in Ho Chi Minh City, Lotus's time zone.
NOW = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 24)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def kpi(admin, salesperson):  # type: ignore[no-untyped-def]
    """A public KPI owned by the salesperson, in Sales South (managed by the sales manager)."""
    south = Team.objects.for_org(admin.organization).get(name="Sales South")
    return kpi_services.kpi_create(
        by=admin,
        key="pharmacy_visits",
        name="Pharmacy visits",
        team=south.pk,
        owner=salesperson.pk,
        target=Decimal(40),
        red_threshold=Decimal(90),
    )


@pytest.fixture
def private_kpi(admin, warehouse_lead):  # type: ignore[no-untyped-def]
    """A private KPI of the warehouse: the sales people may not see it."""
    warehouse = Team.objects.for_org(admin.organization).get(name="Warehouse")
    return kpi_services.kpi_create(
        by=admin,
        key="pick_errors",
        name="Pick errors",
        team=warehouse.pk,
        owner=warehouse_lead.pk,
        visibility="private",
        target=Decimal(5),
        red_threshold=Decimal(90),
    )


@pytest.fixture
def key_result(admin, salesperson):  # type: ignore[no-untyped-def]
    cycle = okr_services.cycle_create(
        by=admin, name="Actions Q4", start=datetime.date(2026, 10, 1), end=datetime.date(2026, 12, 31)
    )
    okr_services.cycle_advance(by=admin, cycle=cycle, state="active")
    objective = okr_services.objective_create(by=salesperson, cycle=cycle, title="Win District 4", owner=salesperson.pk)
    return okr_services.key_result_create(by=salesperson, objective=objective, title="Pharmacies won", target_value=8)


@pytest.fixture
def make_action(kpi):  # type: ignore[no-untyped-def]
    """An action on the KPI, due in ``due`` days (negative: created on time, then left to become overdue)."""
    from tandem.actions.models import Action

    def make(by, title: str, due: int = 7, owner=None, status: str = "todo", **extra):  # type: ignore[no-untyped-def]
        extra.setdefault("kpi", kpi)
        action = services.action_create(
            by=by, title=title, owner=owner.pk if owner else None, due_date=days(max(due, 0)), **extra
        )
        if status != "todo":
            action = services.action_update(by=by, action=action, status=status)
        if due < 0:
            Action.objects.for_org(by.organization).filter(pk=action.pk).update(due_date=days(due))
            action.refresh_from_db()
        return action

    return make
