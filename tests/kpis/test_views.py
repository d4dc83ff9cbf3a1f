"""KPI pages: list with statuses in a constant number of queries, the KPI page, data entry and requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.kpis import selectors, services
from tandem.kpis.models import DataPoint

pytestmark = pytest.mark.django_db


def _kpi(by, key: str, frequency: str = "month", aggregation: str = "sum"):  # type: ignore[no-untyped-def]
    kpi = services.kpi_create(
        by=by,
        key=key,
        name=key.title(),
        target=Decimal(10),
        red_threshold=Decimal(90),
        frequency=frequency,
        aggregation=aggregation,
    )
    services.data_points_record(by=by, points=[{"kpi": key, "date": "2026-11-02", "value": "12"}])
    return kpi


def test_kpi_list_queries_do_not_grow_with_kpis(web, admin):
    for i in range(3):
        _kpi(admin, f"a{i}")
    client = web(admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/kpis/").status_code == 200
    for i in range(12):
        _kpi(admin, f"b{i}", frequency=("week", "month", "quarter")[i % 3], aggregation=("sum", "last", "avg")[i % 3])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/kpis/")
    assert "B11" in response.content.decode()
    # Two more frequencies on the page add at most two queries each; the number of KPIs adds none.
    assert len(many) <= len(few) + 4


def test_kpi_rows_agree_with_the_kpi_page(admin):
    kpi = _kpi(admin, "units", aggregation="last")
    services.data_points_record(by=admin, points=[{"kpi": "units", "date": "2026-11-20", "value": "5"}])
    import datetime

    today = datetime.date(2026, 11, 24)
    row = selectors.kpi_rows(kpis_page=[selectors.kpi_get(membership=admin, kpi_id=kpi.pk)], today=today)[0]
    period = selectors.kpi_periods(
        kpi=selectors.kpi_get(membership=admin, kpi_id=kpi.pk), grain="month", count=1, today=today
    )[0]
    assert (row["value"], row["status"]) == (period["value"], period["status"]) == (Decimal("5.000000"), "red")


def test_kpi_page_shows_trend_data_and_history(web, admin):
    kpi = _kpi(admin, "margin")
    response = web(admin).get(f"/kpis/{kpi.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="kpi-trend-data"' in text and "Margin" in text and "data_received" in text


def test_recording_a_bad_value_is_a_field_error(web, admin):
    kpi = _kpi(admin, "calls")
    response = web(admin).post(f"/kpis/{kpi.pk}/record/", {"date": "2026-11-03", "value": "abc"})
    assert response.status_code == 422
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=kpi).count() == 1


def test_members_cannot_open_the_new_kpi_form(web, salesperson):
    assert web(salesperson).get("/kpis/new/").status_code == 403


def test_a_change_request_without_reason_stays_on_the_page(web, admin):
    kpi = _kpi(admin, "visits")
    services.kpi_submit(by=admin, kpi=kpi)
    response = web(admin).post(f"/kpis/{kpi.pk}/change-request/", {"target": "9", "reason": ""})
    assert response.status_code == 422
