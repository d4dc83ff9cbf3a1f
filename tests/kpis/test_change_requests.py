"""The KPI discipline: an active KPI's rules change only through a change request the manager decides."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine

from tandem.kpis.models import ChangeRequest, KpiVersion
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    """Tuesday 24 November 2026 in Ho Chi Minh City, whatever day the suite runs."""
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def active_kpi(api, sales_manager, salesperson):  # type: ignore[no-untyped-def]
    team = Team.objects.for_org(sales_manager.organization).get(name="Sales South")
    kpi = body(
        post(
            api(sales_manager),
            "/api/v1/kpis",
            {
                "key": "new_accounts",
                "name": "New accounts",
                "owner": salesperson.pk,
                "team": team.pk,
                "frequency": "month",
                "aggregation": "sum",
                "target": "10",
                "red_threshold": "80",
            },
        )
    )
    post(api(salesperson), f"/api/v1/kpis/{kpi['id']}/submit", {})
    post(
        api(salesperson),
        "/api/v1/data-points",
        {
            "points": [
                {"kpi": "new_accounts", "date": d, "value": "9", "source_key": d}
                for d in ("2026-08-10", "2026-09-10", "2026-10-10", "2026-11-10")
            ]
        },
    )
    return kpi


def test_owner_requests_manager_approves_and_old_periods_keep_their_target(api, salesperson, sales_manager, active_kpi):
    requested = post(
        api(salesperson),
        f"/api/v1/kpis/{active_kpi['id']}/change-requests",
        {"changes": {"target": "8"}, "reason": "Two reps left the team", "effective_from": "2026-11-15"},
    )
    assert requested.status_code == 201, requested.content
    request = body(requested)
    assert request["state"] == "pending" and request["effective_from"] == "2026-11-01"
    waiting = body(api(sales_manager).get("/api/v1/change-requests?waiting_for_me=true"))["items"]
    # The demo's own pending request (Units shipped) waits for her too.
    assert [r["kpi"] for r in waiting if r["id"] == request["id"]] == [active_kpi["id"]]
    assert body(api(salesperson).get("/api/v1/change-requests?waiting_for_me=true"))["items"] == []

    approved = post(api(sales_manager), f"/api/v1/change-requests/{request['id']}/approve", {"comment": "Fair"})
    assert body(approved)["state"] == "approved" and body(approved)["version"] == 2
    periods = body(api(salesperson).get(f"/api/v1/kpis/{active_kpi['id']}/periods?count=4&until=2026-11-24"))
    assert [(p["period"], p["target"], p["version"], p["status"]) for p in periods] == [
        ("2026-08", "10.000000", 1, "amber"),
        ("2026-09", "10.000000", 1, "amber"),
        ("2026-10", "10.000000", 1, "amber"),
        ("2026-11", "8.000000", 2, "green"),
    ]


def test_a_member_cannot_approve_or_bypass(api, salesperson, active_kpi):
    request = body(
        post(
            api(salesperson),
            f"/api/v1/kpis/{active_kpi['id']}/change-requests",
            {"changes": {"target": "1"}, "reason": "Easier"},
        )
    )
    refused = post(api(salesperson), f"/api/v1/change-requests/{request['id']}/approve", {})
    assert refused.status_code == 403
    bypass = api(salesperson).patch(
        f"/api/v1/kpis/{active_kpi['id']}", {"target": "1"}, content_type="application/json"
    )
    assert bypass.status_code == 409
    assert KpiVersion.objects.for_org(salesperson.organization).filter(kpi_id=active_kpi["id"]).count() == 1


def test_a_manager_elsewhere_cannot_decide(api, salesperson, warehouse_lead, active_kpi):
    request = body(
        post(
            api(salesperson),
            f"/api/v1/kpis/{active_kpi['id']}/change-requests",
            {"changes": {"target": "1"}, "reason": "Easier"},
        )
    )
    assert post(api(warehouse_lead), f"/api/v1/change-requests/{request['id']}/approve", {}).status_code == 403


def test_rejection_keeps_the_old_version_and_needs_a_reason(api, salesperson, sales_manager, active_kpi):
    request = body(
        post(
            api(salesperson),
            f"/api/v1/kpis/{active_kpi['id']}/change-requests",
            {"changes": {"target": "5"}, "reason": "Slow quarter"},
        )
    )
    silent = post(api(sales_manager), f"/api/v1/change-requests/{request['id']}/reject", {"comment": " "})
    assert silent.status_code == 422 and body(silent)["errors"][0]["field"] == "comment"
    rejected = post(
        api(sales_manager),
        f"/api/v1/change-requests/{request['id']}/reject",
        {"comment": "The pipeline is full; keep 10"},
    )
    assert body(rejected)["state"] == "rejected"
    assert body(api(salesperson).get(f"/api/v1/kpis/{active_kpi['id']}"))["version"]["target"] == "10.000000"
    again = post(api(sales_manager), f"/api/v1/change-requests/{request['id']}/approve", {})
    assert again.status_code == 409


@pytest.mark.parametrize(
    "data,field",
    [
        ({"changes": {"name": "x"}, "reason": "r"}, "changes.name"),
        ({"changes": {}, "reason": "r"}, "changes"),
        ({"changes": {"red_threshold": "150"}, "reason": "r"}, "red_threshold"),
        ({"changes": {"target": "1"}, "reason": ""}, "reason"),
        ({"changes": {"target": "1"}, "reason": "r", "effective_from": "2026-10-31"}, "effective_from"),
    ],
)
def test_bad_change_requests(api, salesperson, active_kpi, data, field):
    response = post(api(salesperson), f"/api/v1/kpis/{active_kpi['id']}/change-requests", data)
    assert response.status_code == 422, response.content
    assert body(response)["errors"][0]["field"] == field
    assert not ChangeRequest.objects.for_org(salesperson.organization).filter(kpi_id=active_kpi["id"]).exists()


def test_drafts_are_edited_directly_not_requested(api, sales_manager):
    kpi = body(
        post(api(sales_manager), "/api/v1/kpis", {"key": "d", "name": "D", "target": "1", "red_threshold": "90"})
    )
    response = post(
        api(sales_manager), f"/api/v1/kpis/{kpi['id']}/change-requests", {"changes": {"target": "2"}, "reason": "r"}
    )
    assert response.status_code == 409


def test_one_pending_request_at_a_time(api, salesperson, active_kpi):
    first = post(
        api(salesperson),
        f"/api/v1/kpis/{active_kpi['id']}/change-requests",
        {"changes": {"target": "9"}, "reason": "a"},
    )
    assert first.status_code == 201
    second = post(
        api(salesperson),
        f"/api/v1/kpis/{active_kpi['id']}/change-requests",
        {"changes": {"target": "7"}, "reason": "b"},
    )
    assert second.status_code == 409
