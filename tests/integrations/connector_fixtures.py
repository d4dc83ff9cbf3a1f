"""Fixtures of the connector tests: a small SQLite "ERP" file with daily orders, a weekly KPI of Sales South
(the salesperson's, managed by the sales manager), a private warehouse KPI, and connectors on them."""

from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tandem.integrations import services
from tandem.kpis import services as kpi_services
from tandem.orgs.models import Team

FIRST_DAY = datetime.date(2026, 11, 2)
DAYS = 10
PASSWORD = "s3cret-Erp-Pa55"  # noqa: S105 - a test credential, looked for where it must never appear
UNITS_QUERY = (
    "SELECT order_date AS date, SUM(quantity) AS value FROM orders WHERE order_date >= :since GROUP BY order_date"
)


def make_erp(path: Path, days: int = DAYS) -> Path:
    """Orders of ``days`` days from FIRST_DAY: day n has n+1 orders of 10 units."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, order_date TEXT, customer TEXT, quantity INTEGER)")
        rows = [
            ((FIRST_DAY + datetime.timedelta(days=n)).isoformat(), f"Pharmacy {k}", 10)
            for n in range(days)
            for k in range(n + 1)
        ]
        db.executemany("INSERT INTO orders (order_date, customer, quantity) VALUES (?, ?, ?)", rows)
    return path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(name="erp")
def erp_fixture(tmp_path: Path) -> Path:
    return make_erp(tmp_path / "erp.sqlite3")


@pytest.fixture(name="kpi")
def kpi_fixture(admin, salesperson):  # type: ignore[no-untyped-def]
    """A public weekly KPI of Sales South owned by the salesperson (the sales manager manages the team)."""
    south = Team.objects.for_org(admin.organization).get(name="Sales South")
    created = kpi_services.kpi_create(
        by=admin,
        key="erp_units",
        name="ERP units",
        team=south.pk,
        owner=salesperson.pk,
        frequency="week",
        aggregation="sum",
        target=Decimal(400),
        red_threshold=Decimal(90),
    )
    return kpi_services.kpi_submit(by=admin, kpi=created)


@pytest.fixture(name="private_kpi")
def private_kpi_fixture(admin, warehouse_lead):  # type: ignore[no-untyped-def]
    """A private KPI of the warehouse: the sales people may not see it."""
    warehouse = Team.objects.for_org(admin.organization).get(name="Warehouse")
    created = kpi_services.kpi_create(
        by=admin,
        key="erp_stock",
        name="ERP stock secret",
        team=warehouse.pk,
        owner=warehouse_lead.pk,
        visibility="private",
        frequency="week",
        aggregation="last",
        target=Decimal(5),
        red_threshold=Decimal(90),
    )
    return kpi_services.kpi_submit(by=admin, kpi=created)


def sql_fields(erp: Path, **extra: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "ERP orders",
        "kind": "sql",
        "config": {"query": UNITS_QUERY},
        "secrets": {"url": sqlite_url(erp)},
        "schedule_kind": "minutes",
        "schedule_value": "15",
    }
    fields.update(extra)
    return fields


def pg_url_with_password() -> str:
    """A URL whose password must never show: nothing listens there (the tests never connect to it)."""
    return f"postgresql://erp:{PASSWORD}@127.0.0.1:9/erp"


@pytest.fixture(name="connector")
def connector_fixture(admin, kpi, erp):  # type: ignore[no-untyped-def]
    """The admin's connector on the sales KPI."""
    return services.connector_create(by=admin, kpi=kpi, **sql_fields(erp))  # type: ignore[arg-type]


@pytest.fixture(name="_without_the_demo_connector", autouse=True)
def without_the_demo_connector_fixture(db):  # type: ignore[no-untyped-def]
    """Each test starts without the demo ERP's connector (removed in the test's own transaction), so counts
    and lists are the test's own."""
    from tandem.integrations.models import Connector
    from tandem.orgs.models import Organization

    lotus = Organization.objects.get(slug="lotus")
    Connector.objects.for_org(lotus).delete()
