"""Targets for single periods: set freely on a draft, through an approved change on an active KPI, and
summed into coarser views; an approval never rewrites a past period's target."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine

from tandem.core.models import AuditEvent
from tandem.kpis.models import PeriodTarget

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


def patch(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.patch(url, data, content_type="application/json")


@pytest.fixture
def draft(api, sales_manager):  # type: ignore[no-untyped-def]
    response = post(
        api(sales_manager),
        "/api/v1/kpis",
        {
            "key": "orders",
            "name": "Orders",
            "frequency": "month",
            "aggregation": "sum",
            "target": "100",
            "red_threshold": "80",
            "period_targets": {"2026-12-15": "150"},
        },
    )
    assert response.status_code == 201, response.content
    return body(response)


def periods(client, kpi_id: int, grain: str = "month", count: int = 3, until: str = "2026-12-31") -> list:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/kpis/{kpi_id}/periods?grain={grain}&count={count}&until={until}")
    assert response.status_code == 200, response.content
    return [(p["period"], p["target"]) for p in body(response)]


def test_a_period_target_is_snapped_to_its_period_and_judges_that_period_only(api, sales_manager, draft):
    assert draft["version"]["period_targets"] == [{"start": "2026-12-01", "target": "150.000000"}]
    assert periods(api(sales_manager), draft["id"]) == [
        ("2026-10", "100.000000"),
        ("2026-11", "100.000000"),
        ("2026-12", "150.000000"),
    ]


def test_a_summed_kpi_adds_its_period_targets_into_quarters(api, sales_manager, draft):
    # Q4 2026 = October 100 + November 100 + December 150.
    assert periods(api(sales_manager), draft["id"], grain="quarter", count=1) == [("Q4 2026", "350.000000")]


def test_a_draft_merges_targets_and_null_removes_one(api, sales_manager, draft):
    response = patch(
        api(sales_manager),
        f"/api/v1/kpis/{draft['id']}",
        {"period_targets": {"2026-12-01": None, "2027-01-31": "90"}},
    )
    assert response.status_code == 200, response.content
    assert body(response)["version"]["period_targets"] == [{"start": "2027-01-01", "target": "90.000000"}]
    event = AuditEvent.objects.for_org(sales_manager.organization).filter(action="updated").latest("id")
    assert event.changes["period_targets"] == [{"2026-12-01": "150.000000"}, {"2027-01-01": "90.000000"}]


@pytest.mark.parametrize(
    "targets,field",
    [
        ({"December": "1"}, "period_targets.December"),
        ({"2026-12-01": "lots"}, "period_targets.2026-12-01"),
        ({"2026-12-01": "1", "2026-12-20": "2"}, "period_targets.2026-12-20"),
    ],
)
def test_bad_period_targets_name_the_entry_and_change_nothing(api, sales_manager, draft, targets, field):
    response = patch(api(sales_manager), f"/api/v1/kpis/{draft['id']}", {"period_targets": targets, "name": "New"})
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in body(response)["errors"]]
    kpi = body(api(sales_manager).get(f"/api/v1/kpis/{draft['id']}"))
    assert kpi["name"] == "Orders"
    assert kpi["version"]["period_targets"] == [{"start": "2026-12-01", "target": "150.000000"}]


def test_an_active_kpi_changes_a_period_target_only_through_approval(api, sales_manager, salesperson, admin, draft):
    post(api(sales_manager), f"/api/v1/kpis/{draft['id']}/submit", {})
    refused = patch(api(sales_manager), f"/api/v1/kpis/{draft['id']}", {"period_targets": {"2026-11-01": "1"}})
    assert refused.status_code == 409

    # This period's target can change from this period on; a past period's cannot.
    past = post(
        api(sales_manager),
        f"/api/v1/kpis/{draft['id']}/change-requests",
        {"changes": {"period_targets": {"2026-10-01": "1"}}, "reason": "Rewrite history"},
    )
    assert past.status_code == 422
    assert body(past)["errors"][0]["field"] == "changes.period_targets.2026-10-01"

    requested = post(
        api(sales_manager),
        f"/api/v1/kpis/{draft['id']}/change-requests",
        {"changes": {"period_targets": {"2026-11-10": "120"}}, "reason": "Black Friday"},
    )
    assert requested.status_code == 201, requested.content
    request = body(requested)
    assert request["effective_from"] == "2026-11-01"
    assert request["changes"] == {"period_targets": {"2026-11-01": "120.000000"}}
    assert periods(api(sales_manager), draft["id"])[1] == ("2026-11", "100.000000")  # not before approval

    approved = post(api(admin), f"/api/v1/change-requests/{request['id']}/approve", {"comment": "OK"})
    assert approved.status_code == 200, approved.content
    # Version 2 from November: November's new target, December's carried over; October still judged by v1.
    assert periods(api(sales_manager), draft["id"]) == [
        ("2026-10", "100.000000"),
        ("2026-11", "120.000000"),
        ("2026-12", "150.000000"),
    ]
    assert (
        PeriodTarget.objects.for_org(admin.organization).filter(version__kpi_id=draft["id"], version__number=1).count()
        == 1
    )
