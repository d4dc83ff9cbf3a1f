"""``/api/v1/connectors``: credentials go in and never come out, field paths in 422s, 403 for readers, 404
across organizations, runs paginated."""

from __future__ import annotations

import json

import pytest
from django.test import TestCase

from tandem.integrations import services

from .connector_fixtures import (  # noqa: F401 - fixtures
    # noqa: F401 - fixtures,
    DAYS,
    PASSWORD,
    UNITS_QUERY,
    connector_fixture,
    erp_fixture,
    kpi_fixture,
    pg_url_with_password,
    sqlite_url,
    without_the_demo_connector_fixture,
)

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_create_read_and_list_never_give_the_credentials_back(api, admin, kpi, erp):
    client = api(admin)
    body = {
        "name": "Orders",
        "kind": "sql",
        "kpi": kpi.pk,
        "config": {"query": UNITS_QUERY},
        "secrets": {"url": pg_url_with_password()},
        "schedule_kind": "minutes",
        "schedule_value": "5",
    }
    created = _post(client, "/api/v1/connectors", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["kpi"] == kpi.pk and out["kpi_key"] == "erp_units" and out["schedule"] == "Every 5 minutes"
    assert "••••" in out["url_masked"] and "secrets" not in out and out["last_run"] is None
    listed = client.get("/api/v1/connectors")
    single = client.get(f"/api/v1/connectors/{out['id']}")
    for response in (created, listed, single):
        assert PASSWORD not in response.content.decode()
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["id"] == out["id"]
    assert client.get(f"/api/v1/connectors?kpi={kpi.pk}").json()["count"] == 1
    assert client.get("/api/v1/connectors?health=failing").json()["count"] == 0


def test_errors_name_the_field_paths(api, admin, kpi, erp):
    response = _post(
        api(admin),
        "/api/v1/connectors",
        {
            "name": "Bad",
            "kind": "sql",
            "config": {"query": "UPDATE orders SET quantity = 0"},
            "secrets": {"url": sqlite_url(erp)},
            "schedule_kind": "cron",
            "schedule_value": "every monday",
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"config.query", "schedule_value"} <= fields, response.json()
    unknown = _post(api(admin), "/api/v1/connectors", {"name": "X", "kind": "ftp"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"


def test_update_keeps_credentials_left_out(api, admin, connector, erp):
    client = api(admin)
    response = client.patch(
        f"/api/v1/connectors/{connector.pk}",
        data=json.dumps({"name": "Renamed", "schedule_kind": "daily", "schedule_value": "06:30"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["schedule"] == "Every day at 06:30"
    assert response.json()["url_masked"].endswith("erp.sqlite3")


def test_test_and_run_now_and_the_runs(api, admin, connector):
    client = api(admin)
    tried = _post(client, f"/api/v1/connectors/{connector.pk}/test")
    assert tried.status_code == 200 and len(tried.json()["points"]) == DAYS and tried.json()["errors"] == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        ran = _post(client, f"/api/v1/connectors/{connector.pk}/run")
    assert ran.status_code == 202
    runs = client.get(f"/api/v1/connectors/{connector.pk}/runs?limit=1").json()
    assert runs["count"] == 1 and runs["items"][0]["status"] == "succeeded"
    assert runs["items"][0]["rows_written"] == DAYS and runs["items"][0]["duration_seconds"] is not None
    assert client.get(f"/api/v1/connectors/{connector.pk}").json()["health"] == "ok"


def test_a_failing_source_answers_422_on_its_setting(api, admin, connector):
    services.connector_update(by=admin, connector=connector, config={"query": "SELECT nope FROM missing"})
    response = _post(api(admin), f"/api/v1/connectors/{connector.pk}/test")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "config.query"


@pytest.mark.parametrize("role", ["salesperson", "viewer"])
def test_readers_see_the_health_but_cannot_change_anything(role, request, api, connector):
    client = api(request.getfixturevalue(role))
    assert client.get(f"/api/v1/connectors/{connector.pk}").status_code == 200
    assert client.get(f"/api/v1/connectors/{connector.pk}/runs").status_code == 200
    for method, url in (
        ("post", f"/api/v1/connectors/{connector.pk}/run"),
        ("post", f"/api/v1/connectors/{connector.pk}/test"),
        ("delete", f"/api/v1/connectors/{connector.pk}"),
    ):
        assert getattr(client, method)(url).status_code == 403
    assert (
        client.patch(
            f"/api/v1/connectors/{connector.pk}", data=json.dumps({"name": "x"}), content_type="application/json"
        ).status_code
        == 403
    )


def test_another_organizations_connector_is_not_found(api, outsider, connector):
    client = api(outsider)
    for url in (f"/api/v1/connectors/{connector.pk}", f"/api/v1/connectors/{connector.pk}/runs"):
        assert client.get(url).status_code == 404
    assert _post(client, f"/api/v1/connectors/{connector.pk}/run").status_code == 404
    assert client.get("/api/v1/connectors").json() == {"items": [], "count": 0}
