"""KPIs and their data through the API: definitions, the draft/active lock, bulk data, periods."""

from __future__ import annotations

import datetime
import json

import pytest

from tandem.core.models import AuditEvent
from tandem.kpis.models import DataPoint, Kpi
from tandem.orgs.models import Team

pytestmark = pytest.mark.django_db


def body(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def post(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def revenue(api, sales_manager, salesperson):  # type: ignore[no-untyped-def]
    """A monthly revenue KPI owned by the salesperson, in the sales manager's team tree."""
    team = Team.objects.for_org(sales_manager.organization).get(name="Sales South")
    response = post(
        api(sales_manager),
        "/api/v1/kpis",
        {
            "key": "revenue",
            "name": "Revenue",
            "unit": "VND",
            "unit_kind": "currency",
            "currency": "VND",
            "owner": salesperson.pk,
            "team": team.pk,
            "direction": "higher",
            "aggregation": "sum",
            "frequency": "month",
            "target": "1000",
            "threshold_mode": "percent",
            "amber_threshold": "100",
            "red_threshold": "90",
        },
    )
    assert response.status_code == 201, response.content
    return body(response)


def test_manager_creates_a_draft_kpi_with_its_first_version(revenue):
    assert revenue["state"] == "draft"
    assert revenue["version"]["number"] == 1 and revenue["version"]["target"] == "1000.000000"


def test_members_cannot_create_kpis(api, salesperson):
    response = post(
        api(salesperson), "/api/v1/kpis", {"key": "mine", "name": "Mine", "red_threshold": "90", "target": "10"}
    )
    assert response.status_code == 403
    assert "managers and administrators" in body(response)["detail"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"key": "Bad Key"}, "key"),
        ({"red_threshold": "120"}, "red_threshold"),  # red above amber when higher is better
        ({"target": None}, "target"),  # percent thresholds need a target
        ({"direction": "band", "band_low": "30", "band_high": "20"}, "band_high"),
        ({"currency": "vnd"}, "currency"),
        ({"owner": 999999}, "owner"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_definitions_name_their_field(api, sales_manager, change, field):
    data = {"key": "margin", "name": "Margin", "target": "30", "red_threshold": "90"} | change
    response = post(api(sales_manager), "/api/v1/kpis", data)
    assert response.status_code == 422, response.content
    assert body(response)["errors"][0]["field"] == field
    assert not Kpi.objects.for_org(sales_manager.organization).filter(name="Margin").exists()


def test_duplicate_key(api, sales_manager, revenue):
    response = post(
        api(sales_manager), "/api/v1/kpis", {"key": "revenue", "name": "Again", "target": "1", "red_threshold": "90"}
    )
    assert response.status_code == 422 and body(response)["errors"][0]["field"] == "key"


def test_submitted_kpi_locks_its_rules_but_not_its_description(api, salesperson, revenue):
    client = api(salesperson)
    assert body(post(client, f"/api/v1/kpis/{revenue['id']}/submit", {}))["state"] == "active"
    locked = client.patch(f"/api/v1/kpis/{revenue['id']}", {"target": "500"}, content_type="application/json")
    assert locked.status_code == 409 and "change request" in body(locked)["detail"]
    described = client.patch(
        f"/api/v1/kpis/{revenue['id']}", {"description": "Net of returns"}, content_type="application/json"
    )
    assert described.status_code == 200 and body(described)["description"] == "Net of returns"
    assert body(client.get(f"/api/v1/kpis/{revenue['id']}"))["version"]["target"] == "1000.000000"


def test_people_outside_the_kpi_cannot_change_it(api, warehouse_lead, viewer, revenue):
    for person in (warehouse_lead, viewer):
        response = api(person).patch(
            f"/api/v1/kpis/{revenue['id']}", {"name": "Hijacked"}, content_type="application/json"
        )
        assert response.status_code == 403


def test_bulk_points_are_idempotent_and_aggregate_per_month(api, salesperson, revenue):
    client = api(salesperson)
    batch = {
        "source": "erp",
        "points": [
            {"kpi": "revenue", "date": "2026-09-03", "value": "400", "source_key": "inv-1"},
            {"kpi": "revenue", "date": "2026-09-20", "value": "650", "source_key": "inv-2"},
            {"kpi": revenue["id"], "date": "2026-10-05", "value": "300", "source_key": "inv-3"},
        ],
    }
    assert body(post(client, "/api/v1/data-points", batch)) == {"received": 3}
    assert body(post(client, "/api/v1/data-points", batch)) == {"received": 3}
    assert DataPoint.objects.for_org(salesperson.organization).filter(kpi_id=revenue["id"]).count() == 3
    periods = body(client.get(f"/api/v1/kpis/{revenue['id']}/periods?count=3&until=2026-11-24"))
    assert [(p["period"], p["value"], p["status"]) for p in periods] == [
        ("2026-09", "1050.000000", "green"),
        ("2026-10", "300.000000", "red"),
        ("2026-11", None, "no_data"),
    ]
    assert periods[1]["change"] == "-750.000000" and periods[1]["change_percent"] == "-71.4"


def test_a_bad_row_rejects_the_whole_batch_and_lists_every_bad_row(api, salesperson, revenue, outsider):
    client = api(salesperson)
    before = AuditEvent.objects.for_org(salesperson.organization).count()
    response = post(
        client,
        "/api/v1/data-points",
        {
            "points": [
                {"kpi": "revenue", "date": "2026-09-03", "value": "400", "source_key": "ok"},
                {"kpi": "no_such_kpi", "date": "2026-09-03", "value": "1"},
                {"kpi": "revenue", "date": "2026-09-03", "value": "1e20"},
                {"kpi": "revenue", "date": "2026-09-03", "value": "5", "source_key": "ok"},
            ]
        },
    )
    assert response.status_code == 422
    fields = [e["field"] for e in body(response)["errors"]]
    assert fields == ["points.1.kpi", "points.2.value", "points.3.source_key"]
    assert not DataPoint.objects.for_org(salesperson.organization).filter(kpi_id=revenue["id"]).exists()
    assert AuditEvent.objects.for_org(salesperson.organization).count() == before


def test_malformed_points_are_422_with_their_field(api, salesperson, revenue):
    response = post(
        api(salesperson), "/api/v1/data-points", {"points": [{"kpi": "revenue", "date": "2026-13-40", "value": "abc"}]}
    )
    assert response.status_code == 422
    assert {e["field"].split(".")[-1] for e in body(response)["errors"]} >= {"date"}


def test_others_cannot_feed_a_kpi(api, warehouse_lead, outsider, revenue):
    response = post(
        api(warehouse_lead), "/api/v1/data-points", {"points": [{"kpi": "revenue", "date": "2026-09-03", "value": "1"}]}
    )
    assert response.status_code == 422 and "cannot record" in body(response)["errors"][0]["message"]
    foreign = post(
        api(outsider), "/api/v1/data-points", {"points": [{"kpi": revenue["id"], "date": "2026-09-03", "value": "1"}]}
    )
    assert foreign.status_code == 422 and "No such KPI" in body(foreign)["errors"][0]["message"]


@pytest.mark.parametrize(
    "aggregation,expected",
    [
        ("sum", "60.000000"),
        ("avg", "20.000000"),
        ("min", "10.000000"),
        ("max", "30.000000"),
        ("last", "20.000000"),
    ],
)
def test_each_aggregation_in_sql(api, sales_manager, aggregation, expected):
    client = api(sales_manager)
    kpi = body(
        post(
            client,
            "/api/v1/kpis",
            {
                "key": f"k_{aggregation}",
                "name": aggregation,
                "target": "10",
                "red_threshold": "90",
                "aggregation": aggregation,
                "frequency": "week",
            },
        )
    )
    points = [("2026-11-16", "10"), ("2026-11-18", "30"), ("2026-11-20", "20")]
    post(
        client,
        "/api/v1/data-points",
        {"points": [{"kpi": kpi["id"], "date": d, "value": v, "source_key": d} for d, v in points]},
    )
    weeks = body(client.get(f"/api/v1/kpis/{kpi['id']}/periods?count=1&until=2026-11-22"))
    assert weeks[0]["period"] == "2026-W47" and weeks[0]["value"] == expected


def test_fiscal_quarters_follow_the_organization(api, admin, sales_manager):
    api(admin).patch("/api/v1/organization", {"fiscal_year_start_month": 4}, content_type="application/json")
    client = api(sales_manager)
    kpi = body(post(client, "/api/v1/kpis", {"key": "units", "name": "Units", "target": "10", "red_threshold": "90"}))
    post(
        client,
        "/api/v1/data-points",
        {
            "points": [
                {"kpi": "units", "date": day, "value": "1", "source_key": day}
                for day in ("2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01")
            ]
        },
    )
    quarters = body(client.get(f"/api/v1/kpis/{kpi['id']}/periods?grain=quarter&count=3&until=2026-07-15"))
    assert [(q["period"], q["value"]) for q in quarters] == [
        ("Q4 FY2026", "1.000000"),
        ("Q1 FY2027", "2.000000"),
        ("Q2 FY2027", "1.000000"),
    ]
    assert quarters[1]["target"] == "30.000000"  # three monthly targets of 10


def test_a_monthly_kpi_cannot_be_viewed_by_day(api, sales_manager, revenue):
    response = api(sales_manager).get(f"/api/v1/kpis/{revenue['id']}/periods?grain=day")
    assert response.status_code == 422 and body(response)["errors"][0]["field"] == "grain"


def test_kpis_with_data_are_archived_not_deleted(api, salesperson, revenue):
    client = api(salesperson)
    post(client, "/api/v1/data-points", {"points": [{"kpi": "revenue", "date": "2026-09-03", "value": "1"}]})
    refused = client.delete(f"/api/v1/kpis/{revenue['id']}")
    assert refused.status_code == 409 and "archived" in body(refused)["detail"]
    assert body(post(client, f"/api/v1/kpis/{revenue['id']}/archive", {}))["state"] == "archived"
    late = post(client, "/api/v1/data-points", {"points": [{"kpi": "revenue", "date": "2026-10-03", "value": "1"}]})
    assert late.status_code == 422 and "archived" in body(late)["errors"][0]["message"]


def test_private_kpis_are_seen_by_owner_managers_and_admins_only(
    api, sales_manager, salesperson, warehouse_lead, admin, viewer
):
    team = Team.objects.for_org(sales_manager.organization).get(name="Sales South")
    kpi = body(
        post(
            api(sales_manager),
            "/api/v1/kpis",
            {
                "key": "pipeline_private",
                "name": "Pipeline",
                "target": "1",
                "red_threshold": "90",
                "visibility": "private",
                "owner": salesperson.pk,
                "team": team.pk,
            },
        )
    )
    for person, visible in (
        (salesperson, True),
        (sales_manager, True),
        (admin, True),
        (warehouse_lead, False),
        (viewer, False),
    ):
        response = api(person).get(f"/api/v1/kpis/{kpi['id']}")
        assert response.status_code == (200 if visible else 404), person
        listed = [k["key"] for k in body(api(person).get("/api/v1/kpis"))["items"]]
        assert ("pipeline_private" in listed) is visible


def test_a_draft_without_data_can_be_deleted(api, sales_manager, revenue):
    assert api(sales_manager).delete(f"/api/v1/kpis/{revenue['id']}").status_code == 204
    assert not Kpi.objects.for_org(sales_manager.organization).filter(pk=revenue["id"]).exists()


def test_data_point_list(api, salesperson, revenue):
    client = api(salesperson)
    post(client, "/api/v1/data-points", {"points": [{"kpi": "revenue", "date": "2026-09-03", "value": "7"}]})
    listed = body(client.get(f"/api/v1/data-points?kpi={revenue['id']}"))
    assert listed["count"] == 1 and listed["items"][0]["value"] == "7.000000"
    assert listed["items"][0]["period_start"] == str(datetime.date(2026, 9, 1))


def test_watermelon_flag_names_the_red_guardrail_and_how_far(api, sales_manager, salesperson):
    client = api(sales_manager)
    inventory = body(
        post(
            client,
            "/api/v1/kpis",
            {
                "key": "inventory_days",
                "name": "Inventory days",
                "direction": "lower",
                "aggregation": "last",
                "target": "45",
                "threshold_mode": "absolute",
                "amber_threshold": "45",
                "red_threshold": "60",
            },
        )
    )
    sales = body(
        post(
            client,
            "/api/v1/kpis",
            {
                "key": "units_sold",
                "name": "Units sold",
                "target": "1000",
                "red_threshold": "90",
                "guardrails": [inventory["id"]],
            },
        )
    )
    assert sales["guardrails"] == [inventory["id"]]
    post(
        client,
        "/api/v1/data-points",
        {
            "points": [
                {"kpi": "units_sold", "date": "2026-11-10", "value": "1100", "source_key": "a"},
                {"kpi": "inventory_days", "date": "2026-11-20", "value": "75", "source_key": "b"},
            ]
        },
    )
    health = body(client.get(f"/api/v1/kpis/{sales['id']}/health?until=2026-11-24"))
    assert health["status"] == "green"
    assert health["guardrails"][0]["status"] == "red"
    assert health["watermelon"] == (
        "Units sold is on target, but Inventory days is red at 75 (25% beyond its red line of 60)."
    )
    # Once the guardrail recovers, the flag goes.
    post(
        client,
        "/api/v1/data-points",
        {"points": [{"kpi": "inventory_days", "date": "2026-11-23", "value": "40", "source_key": "c"}]},
    )
    assert body(client.get(f"/api/v1/kpis/{sales['id']}/health?until=2026-11-24"))["watermelon"] is None


def test_guardrails_must_be_visible_kpis_and_not_itself(api, sales_manager, revenue):
    client = api(sales_manager)
    unknown = client.patch(f"/api/v1/kpis/{revenue['id']}", {"guardrails": [999999]}, content_type="application/json")
    assert unknown.status_code == 422 and body(unknown)["errors"][0]["field"] == "guardrails"
    itself = client.patch(
        f"/api/v1/kpis/{revenue['id']}", {"guardrails": [revenue["id"]]}, content_type="application/json"
    )
    assert itself.status_code == 422 and "itself" in body(itself)["errors"][0]["message"]


def test_a_nul_character_is_refused_with_its_field_before_reaching_the_database(api, admin):
    raw = '{"points": [{"kpi": "net_revenue", "date": "2026-11-02", "value": "1", "note": "a\\u0000b"}]}'
    response = api(admin).post("/api/v1/data-points", raw, content_type="application/json")
    assert response.status_code == 422
    assert body(response)["errors"][0]["field"] == "points.0.note"


def test_a_kpi_reference_of_digits_from_another_script_is_no_such_kpi(api, sales_manager, revenue):
    # "²" and "٣" are digits to str.isdigit() but not to int(): they name no KPI, and must not break the batch.
    response = post(
        api(sales_manager),
        "/api/v1/data-points",
        {"points": [{"kpi": ref, "date": "2026-09-03", "value": "1"} for ref in ("²", "٣")]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in body(response)["errors"]] == ["points.0.kpi", "points.1.kpi"]


def test_later_batches_of_one_run_read_no_kpi_again(sales_manager, revenue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.kpis import points as kpi_points

    batch = [{"kpi": "revenue", "date": "2026-09-03", "value": "1", "source_key": "a"}]
    known: dict = {}
    rows, found, errors = kpi_points.data_points_check(by=sales_manager, points=batch, source="erp", known=known)
    assert len(rows) == 1 and not errors and found["revenue"].pk == revenue["id"] and known is found
    with CaptureQueriesContext(connection) as queries:
        rows, _found, errors = kpi_points.data_points_check(
            by=sales_manager, points=[batch[0] | {"source_key": "b"}], source="erp", known=known
        )
    assert len(rows) == 1 and not errors
    # The access rule still reads the team tree each batch; the KPIs and their versions are not read again.
    assert not [q["sql"] for q in queries.captured_queries if '"kpis_' in q["sql"]]


def test_a_managers_batch_for_many_kpis_reads_the_team_tree_once(api, sales_manager, salesperson, revenue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.kpis import points as kpi_points

    client = api(sales_manager)
    for key in ("visits", "calls"):
        made = post(
            client,
            "/api/v1/kpis",
            {
                "key": key,
                "name": key.title(),
                "owner": salesperson.pk,
                "team": revenue["team"],
                "target": "10",
                "red_threshold": "90",
            },
        )
        assert made.status_code == 201, made.content
    batch = [{"kpi": key, "date": "2026-09-03", "value": "1"} for key in ("revenue", "visits", "calls")]
    with CaptureQueriesContext(connection) as queries:
        rows, _found, errors = kpi_points.data_points_check(by=sales_manager, points=batch, source="erp")
    assert len(rows) == 3 and not errors
    # Once for what the manager may see and may record to (kept on the membership): not once per KPI.
    assert len([q for q in queries.captured_queries if 'FROM "orgs_team"' in q["sql"]]) == 1
