"""Each KPI keeps its current status so that a company's pages need not aggregate its points: the kept status
is what judging afresh gives, after data arrives, after its rules change, for a new day and a new fiscal year;
formula KPIs keep none; the worker judges what was not judged today, and every KPI once an hour."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from tandem.kpis import points as kpi_points
from tandem.kpis import selectors, services
from tandem.kpis.current_status import statuses_kept, statuses_now, statuses_refresh
from tandem.kpis.models import Kpi
from tandem.kpis.tasks import judge_all, judge_new_day
from tandem.orgs import services as orgs_services
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _kpi(by, key: str, **rules) -> Kpi:  # type: ignore[no-untyped-def]
    """A KPI of Sales South owned by the salesperson, An, submitted by ``by``."""
    team = Team.objects.for_org(by.organization).get(name="Sales South")
    kpi = services.kpi_create(
        by=by,
        key=key,
        name=key,
        owner=team.members.get(user__email="an.pham@lotus.example").pk,
        team=team.pk,
        **({"frequency": "month", "aggregation": "sum", "target": Decimal(100), "red_threshold": Decimal(80)} | rules),
    )
    return services.kpi_submit(by=by, kpi=kpi)


def _kept(kpi: Kpi) -> tuple[str, datetime.date | None]:
    kpi.refresh_from_db(fields=["status_now", "status_on"])
    return kpi.status_now, kpi.status_on


def _live(admin, kpi: Kpi) -> str:  # type: ignore[no-untyped-def]
    listed = Kpi.objects.for_org(admin.organization).filter(pk=kpi.pk)
    return statuses_now(organization=admin.organization, kpis=listed, today=TODAY)[kpi.pk]


def test_the_demo_company_keeps_what_judging_afresh_gives(admin):
    organization = admin.organization
    services.kpi_create(
        by=admin, key="kept_f", name="F", formula="net_revenue * 2", target=Decimal(1), red_threshold=Decimal(80)
    )
    listed = selectors.kpis(membership=admin)
    statuses_refresh(organization=organization, today=TODAY)
    live = statuses_now(organization=organization, kpis=listed, today=TODAY)
    assert statuses_kept(organization=organization, kpis=listed, today=TODAY) == live
    assert {"red", "amber", "green"} <= set(live.values())
    kept_today = set(listed.filter(status_on=TODAY).values_list("pk", flat=True))
    formulas = set(listed.exclude(versions__formula="").values_list("pk", flat=True))
    assert len(formulas) == 1
    assert kept_today == set(live) - formulas


def test_data_arriving_is_kept_in_the_same_request(admin, sales_manager, salesperson, api):
    kpi = _kpi(sales_manager, "kept_visits")
    assert _kept(kpi) == ("no_data", TODAY)

    response = api(salesperson).post(
        "/api/v1/data-points",
        {"points": [{"kpi": "kept_visits", "date": "2026-11-20", "value": "30"}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    # 30 by the 24th of a 30-day month is on pace for 37.5 of 100: red.
    assert _kept(kpi) == ("red", TODAY) == (_live(admin, kpi), TODAY)

    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_visits", "date": "2026-11-21", "value": "60"}])
    assert _kept(kpi) == ("green", TODAY) == (_live(admin, kpi), TODAY)


def test_an_approved_change_of_rules_is_kept(admin, sales_manager, salesperson):
    kpi = _kpi(sales_manager, "kept_margin", aggregation="last")
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_margin", "date": "2026-11-20", "value": "100"}])
    assert _kept(kpi) == ("green", TODAY)

    request = services.change_request_create(
        by=salesperson,
        kpi=kpi,
        changes={"target": "200"},
        reason="A bigger territory",
        effective_from=datetime.date(2026, 11, 1),
    )
    assert _kept(kpi) == ("green", TODAY), "a request alone changes nothing"
    services.change_request_approve(by=sales_manager, request=request)
    assert _kept(kpi) == ("red", TODAY) == (_live(admin, kpi), TODAY)


def test_a_draft_rule_change_is_kept(admin, sales_manager, salesperson):
    team = Team.objects.for_org(admin.organization).get(name="Sales South")
    kpi = services.kpi_create(
        by=sales_manager,
        key="kept_draft",
        name="Draft",
        owner=salesperson.pk,
        team=team.pk,
        aggregation="last",
        target=Decimal(100),
        red_threshold=Decimal(80),
    )
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_draft", "date": "2026-11-20", "value": "85"}])
    assert _kept(kpi) == ("amber", TODAY)
    services.kpi_update(by=sales_manager, kpi=kpi, target=Decimal(80))
    assert _kept(kpi) == ("green", TODAY) == (_live(admin, kpi), TODAY)
    kpi = services.kpi_submit(by=sales_manager, kpi=kpi)
    assert _kept(kpi) == ("green", TODAY)


def test_a_formula_kpi_keeps_nothing_and_is_judged_afresh(admin, sales_manager, salesperson):
    _kpi(sales_manager, "kept_a", aggregation="last")
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_a", "date": "2026-11-20", "value": "50"}])
    formula = services.kpi_create(
        by=sales_manager, key="kept_f", name="F", formula="kept_a * 2", target=Decimal(100), red_threshold=Decimal(80)
    )
    formula = services.kpi_submit(by=sales_manager, kpi=formula)
    assert _kept(formula) == ("", None)
    listed = Kpi.objects.for_org(admin.organization).filter(pk=formula.pk)
    assert statuses_kept(organization=admin.organization, kpis=listed, today=TODAY) == {formula.pk: "green"}

    # Its input falls: nothing is kept on the formula, so nothing is out of date.
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_a", "date": "2026-11-21", "value": "10"}])
    assert _kept(formula) == ("", None)
    assert statuses_kept(organization=admin.organization, kpis=listed, today=TODAY) == {formula.pk: "red"}


def test_a_status_kept_yesterday_is_judged_afresh_and_the_worker_keeps_it(admin, sales_manager, salesperson):
    kpi = _kpi(sales_manager, "kept_old", aggregation="last")
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_old", "date": "2026-11-20", "value": "50"}])
    yesterday = TODAY - datetime.timedelta(days=1)
    Kpi.objects.for_org(admin.organization).filter(pk=kpi.pk).update(status_now="green", status_on=yesterday)
    listed = Kpi.objects.for_org(admin.organization).filter(pk=kpi.pk)

    assert statuses_kept(organization=admin.organization, kpis=listed, today=TODAY) == {kpi.pk: "red"}
    assert _kept(kpi) == ("green", yesterday), "reading never writes"
    judge_new_day.call_local()
    assert _kept(kpi) == ("red", TODAY)


def test_the_hourly_run_heals_a_wrong_status_kept_today(admin, sales_manager, salesperson):
    kpi = _kpi(sales_manager, "kept_race", aggregation="last")
    kpi_points.data_points_record(by=salesperson, points=[{"kpi": "kept_race", "date": "2026-11-20", "value": "50"}])
    # As if two writers had judged it at once, each without the other's point.
    Kpi.objects.for_org(admin.organization).filter(pk=kpi.pk).update(status_now="green", status_on=TODAY)

    judge_new_day.call_local()
    assert _kept(kpi) == ("green", TODAY), "judged today already: the ten-minute run leaves it"
    judge_all.call_local()
    assert _kept(kpi) == ("red", TODAY)


def test_a_new_fiscal_year_forgets_every_kept_status(admin):
    organization = admin.organization
    statuses_refresh(organization=organization, today=TODAY)
    assert Kpi.objects.for_org(organization).exclude(status_on=None).exists()

    orgs_services.organization_update(by=admin, name=organization.name)
    assert Kpi.objects.for_org(organization).exclude(status_on=None).exists(), "nothing about periods changed"

    orgs_services.organization_update(by=admin, fiscal_year_start_month=4)
    assert not Kpi.objects.for_org(organization).exclude(status_on=None).exists()


def test_the_worker_judges_every_ten_minutes_and_all_once_an_hour():
    for minute in (0, 10, 50):
        due = HUEY.read_periodic(datetime.datetime(2026, 11, 24, 9, minute))
        assert any(isinstance(task, judge_new_day.task_class) for task in due)
    assert not any(
        isinstance(task, judge_new_day.task_class) for task in HUEY.read_periodic(datetime.datetime(2026, 11, 24, 9, 5))
    )
    for minute, due in ((5, True), (6, False), (0, False)):
        tasks = HUEY.read_periodic(datetime.datetime(2026, 11, 24, 9, minute))
        assert any(isinstance(task, judge_all.task_class) for task in tasks) is due
