"""The demo ERP: a SQLite file in the data folder with orders and stock, and a connector that has already fed
two demo KPIs from it; the tick adds the day's new orders while the demo runs."""

from __future__ import annotations

import datetime
import shutil
import sqlite3

import pytest

from tandem.core.periods import local_today
from tandem.integrations import demo
from tandem.integrations.models import Connector, SyncRun
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import DataPoint, Kpi

pytestmark = pytest.mark.django_db


def test_the_demo_connector_has_fed_two_kpis_from_the_erp(admin):
    org = admin.organization
    connector = Connector.objects.for_org(org).get(name="ERP: shipments and warehouse stock")
    assert connector.schedule_kind == "minutes" and connector.schedule_value == "5" and connector.health == "ok"
    assert connector.next_run_at is not None and demo.erp_path().exists()
    run = SyncRun.objects.for_org(org).get(connector=connector)
    assert run.status == "succeeded" and run.rows_written == run.rows_read > 150 and run.rows_skipped == 0
    today = local_today(org.tz)
    for key in (demo.UNITS, demo.UTILIZATION):
        kpi = Kpi.objects.for_org(org).get(key=key)
        assert kpi.last_received_source == connector.source and kpi.last_received_at is not None
        fed = DataPoint.objects.for_org(org).filter(kpi=kpi, source=connector.source)
        assert fed.filter(date=today).exists() and fed.count() > 80
        # The ERP replaced the seeded quarter: never two sources for one week.
        first = min(fed.values_list("period_start", flat=True))
        assert not DataPoint.objects.for_org(org).filter(kpi=kpi, source="erp", period_start__gte=first).exists()


def test_units_shipped_keeps_its_story(admin):
    kpi = kpi_selectors.kpi_get(membership=admin, kpi_id=Kpi.objects.for_org(admin.organization).get(key=demo.UNITS).pk)
    report = kpi_selectors.watermelon(membership=admin, kpi=kpi, today=local_today(admin.organization.tz))
    assert report["kpi"]["status"] == "green" and report["watermelon"]


def test_the_tick_adds_todays_orders_and_stock(tmp_path):
    path = tmp_path / "erp.sqlite3"
    shutil.copy(demo.erp_path(), path)
    with sqlite3.connect(path) as db:
        last = db.execute("SELECT MAX(order_date) FROM orders").fetchone()[0]
    later = datetime.datetime.combine(
        datetime.date.fromisoformat(last) + datetime.timedelta(days=2), datetime.time(16, 0), tzinfo=demo.TZ
    )
    assert demo.erp_tick(path, later) > 0
    with sqlite3.connect(path) as db:
        days = [r[0] for r in db.execute("SELECT DISTINCT order_date FROM orders ORDER BY 1 DESC LIMIT 3")]
        stock = db.execute("SELECT MAX(snapshot_date) FROM stock").fetchone()[0]
    assert days[0] == later.date().isoformat() and stock == later.date().isoformat()
    assert demo.erp_tick(path, later) == 0  # nothing new at the same moment
