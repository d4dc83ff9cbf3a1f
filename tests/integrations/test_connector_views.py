"""Connector pages: the list and detail pages in a constant number of queries, the form with its kind's fields
and write-only credentials, "Test" in place, "Run now", and readers who see health but no settings."""

from __future__ import annotations

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from tandem.integrations import services
from tandem.integrations.models import Connector, SyncRun

from .connector_fixtures import (  # noqa: F401 - fixtures
    # noqa: F401 - fixtures,
    DAYS,
    PASSWORD,
    UNITS_QUERY,
    connector_fixture,
    erp_fixture,
    kpi_fixture,
    pg_url_with_password,
    sql_fields,
    sqlite_url,
    without_the_demo_connector_fixture,
)

pytestmark = pytest.mark.django_db


def _form(erp, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {
        "name": "Orders from the ERP",
        "kind": "sql",
        "kpi": "",
        "url": sqlite_url(erp),
        "query": UNITS_QUERY,
        "method": "GET",
        "schedule_kind": "minutes",
        "schedule_value": "10",
        "enabled": "on",
    }
    data.update(extra)
    return data


def _runs(connector: Connector, count: int) -> None:
    now = timezone.now()
    SyncRun.objects.for_org(connector.organization_id).bulk_create(
        SyncRun(
            organization_id=connector.organization_id,
            connector=connector,
            trigger="schedule",
            status="failed" if n % 3 == 0 else "succeeded",
            started_at=now - datetime.timedelta(minutes=15 * n),
            finished_at=now - datetime.timedelta(minutes=15 * n - 1),
            rows_read=10,
            rows_written=9,
            rows_skipped=1,
            error="The query ran longer than 60 s and was stopped" if n % 3 == 0 else "",
            row_errors=[{"row": 3, "field": "value", "message": "Use a number"}],
        )
        for n in range(count)
    )


def test_the_list_runs_a_constant_number_of_queries(web, admin, kpi, erp, django_assert_max_num_queries):
    client = web(admin)
    client.get("/data/connectors/")  # warm the session and caches
    for n in range(3):
        made = services.connector_create(by=admin, kpi=kpi, **sql_fields(erp, name=f"Feed {n}"))  # type: ignore[arg-type]
        _runs(made, 5)
    with django_assert_max_num_queries(14) as few:
        response = client.get("/data/connectors/")
    for n in range(3, 13):
        made = services.connector_create(by=admin, kpi=kpi, **sql_fields(erp, name=f"Feed {n}"))  # type: ignore[arg-type]
        _runs(made, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/data/connectors/")
    text = response.content.decode()
    assert response.status_code == 200 and text.count('class="connector-row"') == 13
    assert "ERP units" in text and "Every 15 minutes" in text and "New connector" in text


def test_the_detail_page_shows_the_history_in_a_constant_number_of_queries(
    web, admin, connector, django_assert_max_num_queries
):
    client = web(admin)
    _runs(connector, 3)
    with django_assert_max_num_queries(30) as few:
        client.get(f"/data/connectors/{connector.pk}/")
    _runs(connector, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/data/connectors/{connector.pk}/")
    text = response.content.decode()
    assert response.status_code == 200 and text.count('class="run-row"') == 25
    assert "The query ran longer than 60 s" in text and "row error" in text and "Run now" in text
    assert client.get(f"/data/connectors/{connector.pk}/?page=3").content.decode().count('class="run-row"') == 13


def test_a_run_still_going_shows_as_running(web, admin, connector):
    SyncRun.objects.for_org(admin.organization).create(
        organization=admin.organization, connector=connector, trigger="manual", started_at=timezone.now()
    )
    text = web(admin).get(f"/data/connectors/{connector.pk}/").content.decode()
    assert 'data-status="running"' in text


def test_create_test_and_save_without_ever_rendering_the_password(web, admin, kpi, erp):
    client = web(admin)
    page = client.get("/data/connectors/new/")
    assert page.status_code == 200 and "Connection URL" in page.content.decode()
    tried = client.post("/data/connectors/test/", _form(erp, kpi=str(kpi.pk)), headers={"HX-Request": "true"})
    text = tried.content.decode()
    assert tried.status_code == 200 and text.count("<tr>") == DAYS + 1 and "Test: nothing was saved" in text
    assert not Connector.objects.for_org(admin.organization).exists()
    failing = client.post(
        "/data/connectors/test/", _form(erp, url=pg_url_with_password()), headers={"HX-Request": "true"}
    )
    assert failing.status_code == 422 and "could not be read" in failing.content.decode()
    assert PASSWORD not in failing.content.decode()
    bad = client.post("/data/connectors/new/", _form(erp, url=pg_url_with_password(), query="DROP TABLE orders"))
    assert bad.status_code == 422 and PASSWORD not in bad.content.decode()
    saved = client.post("/data/connectors/new/", _form(erp, kpi=str(kpi.pk)))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Connector.objects.for_org(admin.organization).get().kpi_id == kpi.pk
    detail = client.get(saved["Location"]).content.decode()
    assert "Next runs" in detail and str(erp.name) in detail


def test_edit_shows_the_masked_url_and_keeps_it_when_left_blank(web, admin, connector, erp):
    services.connector_update(by=admin, connector=connector, secrets={"url": pg_url_with_password()})
    client = web(admin)
    page = client.get(f"/data/connectors/{connector.pk}/edit/").content.decode()
    assert "Leave blank to keep it" in page and "••••" in page and PASSWORD not in page
    response = client.post(f"/data/connectors/{connector.pk}/edit/", _form(erp, url="", name="Renamed feed"))
    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.name == "Renamed feed"
    from tandem.integrations import crypto

    assert PASSWORD in crypto.unseal(connector.sealed_secrets)["url"]


def test_test_and_run_now_from_the_detail_page(web, admin, connector):
    client = web(admin)
    tried = client.post(f"/data/connectors/{connector.pk}/test/", headers={"HX-Request": "true"})
    assert tried.status_code == 200 and "preview-points" in tried.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        ran = client.post(f"/data/connectors/{connector.pk}/run/")
    assert ran.status_code == 302
    assert SyncRun.objects.for_org(admin.organization).get().status == "succeeded"
    assert client.post(f"/data/connectors/{connector.pk}/delete/").status_code == 302
    assert not Connector.objects.for_org(admin.organization).exists()


@pytest.mark.parametrize("role", ["salesperson", "viewer"])
def test_readers_see_health_not_settings(role, request, web, connector):
    client = web(request.getfixturevalue(role))
    listed = client.get("/data/connectors/").content.decode()
    assert "ERP orders" in listed and "New connector" not in listed
    detail = client.get(f"/data/connectors/{connector.pk}/").content.decode()
    assert "Run now" not in detail and "erp.sqlite3" not in detail and "SELECT" not in detail
    assert client.get(f"/data/connectors/{connector.pk}/edit/").status_code == 403
    assert client.get("/data/connectors/new/").status_code == 403
    assert client.post(f"/data/connectors/{connector.pk}/run/").status_code == 403


def test_another_organizations_connector_is_not_found(web, outsider, connector):
    client = web(outsider)
    assert client.get(f"/data/connectors/{connector.pk}/").status_code == 404
    assert "ERP orders" not in client.get("/data/connectors/").content.decode()
