"""KPI pages: list with statuses in a constant number of queries, the KPI page, data entry and requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.kpis import points as kpi_points
from tandem.kpis import selectors, services
from tandem.kpis.models import DataPoint
from tandem.orgs.models import Team

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
    kpi_points.data_points_record(by=by, points=[{"kpi": key, "date": "2026-11-02", "value": "12"}])
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


def test_a_summed_kpi_is_judged_by_its_run_rate_while_the_period_runs(admin):
    import datetime

    services.kpi_create(by=admin, key="orders", name="Orders", target=Decimal(300), red_threshold=Decimal(90))
    kpi_points.data_points_record(by=admin, points=[{"kpi": "orders", "date": "2026-11-03", "value": "100"}])
    kpi = selectors.kpis(membership=admin).prefetch_related(*selectors.RULES).get(key="orders")
    # 100 in the first 10 of November's 30 days is on pace for 300: on target, not a red third of it.
    row = selectors.kpi_rows(membership=admin, kpis_page=[kpi], today=datetime.date(2026, 11, 10))[0]
    assert (row["value"], row["projected"], row["status"]) == (Decimal("100.000000"), Decimal("300.000000"), "green")
    month = selectors.kpi_periods(kpi=kpi, grain="month", count=1, today=datetime.date(2026, 11, 20))[0]
    assert (month["in_progress"], month["projected"], month["status"]) == (True, Decimal("150.000000"), "red")
    # Once the month is over, it is judged by what it reached.
    done = selectors.kpi_periods(kpi=kpi, grain="month", count=2, today=datetime.date(2026, 12, 1))[0]
    assert (done["in_progress"], done["projected"], done["status"]) == (False, None, "red")


def test_kpi_rows_agree_with_the_kpi_page(admin):
    kpi = _kpi(admin, "units", aggregation="last")
    kpi_points.data_points_record(by=admin, points=[{"kpi": "units", "date": "2026-11-20", "value": "5"}])
    import datetime

    today = datetime.date(2026, 11, 24)
    row = selectors.kpi_rows(
        membership=admin, kpis_page=[selectors.kpi_get(membership=admin, kpi_id=kpi.pk)], today=today
    )[0]
    period = selectors.kpi_periods(
        kpi=selectors.kpi_get(membership=admin, kpi_id=kpi.pk), grain="month", count=1, today=today
    )[0]
    assert (row["value"], row["status"]) == (period["value"], period["status"]) == (Decimal("5.000000"), "red")


def test_kpi_page_shows_trend_data_and_history(web, admin):
    kpi = _kpi(admin, "margin")
    response = web(admin).get(f"/kpis/{kpi.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="kpi-trend-data"' in text and "Margin" in text and "received data" in text


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


def _rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["kpi"].key for row in response.context["rows"]]


def test_the_list_filters_and_sorts_by_this_periods_status(web, admin):
    import time_machine

    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        for key, value in (("zz_a_green", "12"), ("zz_b_red", "1"), ("zz_c_amber", "9.5")):
            services.kpi_create(
                by=admin, key=key, name=key, aggregation="avg", target=Decimal(10), red_threshold=Decimal(90)
            )
            kpi_points.data_points_record(by=admin, points=[{"kpi": key, "date": "2026-11-02", "value": value}])
        client = web(admin)
        assert _rows(client.get("/kpis/?q=zz_&status=red")) == ["zz_b_red"]
        assert _rows(client.get("/kpis/?q=zz_&sort=status")) == ["zz_b_red", "zz_c_amber", "zz_a_green"]
        assert _rows(client.get("/kpis/?q=zz_&sort=status&status=green")) == ["zz_a_green"]
        # A value that is not a status or a sort is ignored, not an error.
        assert _rows(client.get("/kpis/?q=zz_&status=purple&sort=nonsense")) == ["zz_a_green", "zz_b_red", "zz_c_amber"]
        with CaptureQueriesContext(connection) as few:
            client.get("/kpis/?sort=status")
        for i in range(10):
            _kpi(admin, f"more{i}")
        with CaptureQueriesContext(connection) as many:
            client.get("/kpis/?sort=status")
        assert len(many) == len(few)


def test_the_list_filters_by_owner_and_flags_watermelons(web, admin, salesperson):
    import time_machine

    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        stock = services.kpi_create(
            by=admin,
            key="zz_stock",
            name="ZZ Stock days",
            direction="lower",
            target=Decimal(45),
            threshold_mode="absolute",
            amber_threshold=Decimal(45),
            red_threshold=Decimal(60),
        )
        services.kpi_create(
            by=admin,
            key="zz_units",
            name="ZZ Units",
            owner=salesperson.pk,
            target=Decimal(10),
            red_threshold=Decimal(90),
            guardrails=[stock.pk],
        )
        kpi_points.data_points_record(
            by=admin,
            points=[
                {"kpi": "zz_units", "date": "2026-11-02", "value": "12"},
                {"kpi": "zz_stock", "date": "2026-11-02", "value": "74"},
            ],
        )
        response = web(admin).get(f"/kpis/?q=zz_&owner={salesperson.pk}")
    assert _rows(response) == ["zz_units"]
    assert response.context["rows"][0]["watermelon"] == ["ZZ Stock days"]
    assert "Red guardrails: ZZ Stock days" in response.content.decode()


def test_editing_a_draft_changes_its_rules_but_an_active_kpi_keeps_them(web, admin):
    kpi = _kpi(admin, "calls")
    form = {
        "name": "Calls made",
        "key": "calls",
        "owner": admin.pk,
        "unit_kind": "number",
        "frequency": "month",
        "aggregation": "sum",
        "direction": "higher",
        "target": "20",
        "threshold_mode": "percent",
        "red_threshold": "80",
        "visibility": "public",
        "risk_level": "high",
        "risk_notes": "Few callers",
    }
    assert web(admin).post(f"/kpis/{kpi.pk}/edit/", form).status_code == 302
    kpi = selectors.kpi_get(membership=admin, kpi_id=kpi.pk)
    assert (kpi.name, kpi.risk_level, selectors.version_on(kpi, kpi.created_at.date()).target) == (
        "Calls made",
        "high",
        Decimal(20),
    )
    services.kpi_submit(by=admin, kpi=kpi)
    response = web(admin).post(f"/kpis/{kpi.pk}/edit/", form | {"name": "Calls", "target": "1"})
    assert response.status_code == 302
    kpi = selectors.kpi_get(membership=admin, kpi_id=kpi.pk)
    assert kpi.name == "Calls" and selectors.version_on(kpi, kpi.created_at.date()).target == Decimal(20)


def test_archive_keeps_data_and_delete_only_without_data(web, admin):
    with_data = _kpi(admin, "kept")
    assert web(admin).post(f"/kpis/{with_data.pk}/delete/").status_code == 409
    assert web(admin).post(f"/kpis/{with_data.pk}/archive/").status_code == 302
    with_data.refresh_from_db()
    assert with_data.state == "archived"
    assert DataPoint.objects.for_org(admin.organization).filter(kpi=with_data).count() == 1
    empty = services.kpi_create(by=admin, key="empty", name="Empty", target=Decimal(1), red_threshold=Decimal(90))
    assert web(admin).post(f"/kpis/{empty.pk}/delete/").status_code == 302
    assert not selectors.kpis(membership=admin).filter(pk=empty.pk).exists()


def test_a_drafts_period_target_is_set_on_its_page(web, admin):
    kpi = _kpi(admin, "orders")
    assert web(admin).post(f"/kpis/{kpi.pk}/period-target/", {"day": "2026-12-24", "target": "30"}).status_code == 302
    version = selectors.kpi_get(membership=admin, kpi_id=kpi.pk).versions.get()
    assert [(t.period_start.isoformat(), t.target) for t in version.period_targets.all()] == [("2026-12-01", 30)]
    assert web(admin).post(f"/kpis/{kpi.pk}/period-target/", {"day": "", "target": "30"}).status_code == 422
    services.kpi_submit(by=admin, kpi=kpi)
    assert web(admin).post(f"/kpis/{kpi.pk}/period-target/", {"day": "2027-01-02", "target": "1"}).status_code == 409


def test_a_change_request_from_the_page_can_change_any_rule(web, admin):
    import time_machine

    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        kpi = _kpi(admin, "tickets")
        services.kpi_submit(by=admin, kpi=kpi)
        response = web(admin).post(
            f"/kpis/{kpi.pk}/change-request/",
            {
                "direction": "lower",
                "red_threshold": "120",
                "period_day": "2026-12-05",
                "period_target": "8",
                "reason": "Fewer tickets is better",
            },
        )
        assert response.status_code == 302, response.content
    request = selectors.change_requests(membership=admin, kpi_id=kpi.pk).get()
    assert request.changes == {
        "direction": "lower",
        "red_threshold": "120",
        "period_targets": {"2026-12-01": "8.000000"},
    }
    half = web(admin).post(f"/kpis/{kpi.pk}/change-request/", {"period_day": "2026-12-05", "reason": "x"})
    assert half.status_code == 422


def test_the_sparkline_draws_a_running_period_at_its_run_rate(admin):
    import datetime

    services.kpi_create(by=admin, key="calls_made", name="Calls", target=Decimal(300), red_threshold=Decimal(90))
    kpi_points.data_points_record(by=admin, points=[{"kpi": "calls_made", "date": "2026-11-03", "value": "100"}])
    kpi = selectors.kpis(membership=admin).prefetch_related(*selectors.RULES).get(key="calls_made")
    row = selectors.kpi_rows(membership=admin, kpis_page=[kpi], today=datetime.date(2026, 11, 10))[0]
    assert row["spark"][-1] == Decimal("300.000000") and row["value"] == Decimal("100.000000")


def test_a_watermelon_never_names_a_guardrail_the_reader_may_not_see(web, sales_manager, warehouse_lead, salesperson):
    import datetime

    from tandem.kpis.models import Visibility

    team = Team.objects.for_org(warehouse_lead.organization).get(name="Warehouse")
    hidden = services.kpi_create(
        by=warehouse_lead,
        key="shrinkage_secret",
        name="Shrinkage secret",
        owner=warehouse_lead.pk,
        team=team.pk,
        visibility=Visibility.PRIVATE,
        aggregation="last",
        direction="lower",
        target=Decimal(10),
        red_threshold=Decimal(120),
    )
    shown = services.kpi_create(
        by=sales_manager,
        key="calls_public",
        name="Calls public",
        aggregation="last",
        target=Decimal(10),
        red_threshold=Decimal(90),
    )
    shown.guardrails.set([hidden])
    for kpi in (hidden, shown):
        services.kpi_submit(by=kpi.owner, kpi=kpi)
    kpi_points.data_points_record(
        by=warehouse_lead, points=[{"kpi": "shrinkage_secret", "date": "2026-11-20", "value": "50"}]
    )
    kpi_points.data_points_record(
        by=sales_manager, points=[{"kpi": "calls_public", "date": "2026-11-20", "value": "12"}]
    )
    today = datetime.date(2026, 11, 24)
    page = [selectors.kpis(membership=salesperson).prefetch_related(*selectors.RULES).get(pk=shown.pk)]

    [as_an] = selectors.kpi_rows(membership=salesperson, kpis_page=page, today=today)
    [as_minh] = selectors.kpi_rows(membership=warehouse_lead, kpis_page=page, today=today)

    assert as_an["watermelon"] == ["a private KPI"]
    assert as_minh["watermelon"] == ["Shrinkage secret"]
    assert "Shrinkage secret" not in web(salesperson).get("/kpis/?q=calls_public").content.decode()
