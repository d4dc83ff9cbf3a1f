"""The demo company's KPIs tell the watermelon story."""

from __future__ import annotations

import pytest

from tandem.core.periods import local_today
from tandem.kpis import demo, selectors
from tandem.kpis.models import DataPoint, Kpi

pytestmark = pytest.mark.django_db


def test_demo_has_two_years_of_data_for_every_kpi(admin):
    kpis = Kpi.objects.for_org(admin.organization).filter(key__in=[row[0] for row in demo.KPIS])
    assert kpis.count() == len(demo.KPIS) == 25
    assert set(kpis.values_list("state", flat=True)) == {"active"}
    weekly = DataPoint.objects.for_org(admin.organization).filter(kpi__key="stock_days").count()
    monthly = DataPoint.objects.for_org(admin.organization).filter(kpi__key="net_revenue").count()
    assert (weekly, monthly) == (104, 24)


def test_units_shipped_is_a_watermelon(admin):
    kpi = selectors.kpi_get(
        membership=admin, kpi_id=Kpi.objects.for_org(admin.organization).get(key="units_shipped").pk
    )
    report = selectors.watermelon(membership=admin, kpi=kpi, today=local_today(admin.organization.tz))
    assert report["kpi"]["status"] == "green"
    assert {g["kpi"].key for g in report["guardrails"] if g["status"] == "red"} == {
        "stock_days",
        "overdue_receivables",
        "return_rate",
    }
    assert report["watermelon"].startswith("Units shipped is on target, but ")
