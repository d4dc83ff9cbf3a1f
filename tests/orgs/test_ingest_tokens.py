"""The push API: ingestion tokens that may only send data points, KPIs addressed by key, and each KPI's
"last data received" on its page and in the API."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.orgs import services
from tandem.orgs.models import ApiToken

pytestmark = pytest.mark.django_db
REFUSAL = "This is an ingestion token: it may only send data points (POST /api/v1/data-points)."


def post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def revenue(admin):  # type: ignore[no-untyped-def]
    kpi = kpi_services.kpi_create(
        by=admin, key="push_revenue", name="Push revenue", target=Decimal(100), red_threshold=Decimal(90)
    )
    return kpi_services.kpi_submit(by=admin, kpi=kpi)


def ingest_client(admin) -> Client:  # type: ignore[no-untyped-def]
    _token, raw = services.token_create(by=admin, name="ERP nightly push", scope="ingest")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_ingestion_token_sends_points_and_nothing_else(admin, revenue):
    client = ingest_client(admin)
    sent = post(
        client,
        "/api/v1/data-points",
        {
            "points": [{"kpi": "push_revenue", "date": "2026-11-02", "value": "12.5", "source_key": "n1"}],
            "source": "erp",
        },
    )
    assert sent.status_code == 201 and sent.json() == {"received": 1}
    revenue.refresh_from_db()
    assert revenue.last_received_source == "erp" and revenue.last_received_at is not None
    for method, url in [
        ("get", "/api/v1/me"),
        ("get", "/api/v1/people"),
        ("get", "/api/v1/kpis"),
        ("get", "/api/v1/kpis/push_revenue"),
        ("get", f"/api/v1/data-points?kpi={revenue.pk}"),
        ("get", "/api/v1/objectives"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("get", "/api/v1/webhooks"),
    ]:
        response = getattr(client, method)(url) if method == "get" else post(client, url, {"name": "more"})
        assert response.status_code == 403, url
        assert response.json()["detail"] == REFUSAL


def test_ingest_scope_is_for_admins_and_listed(api, admin, sales_manager):
    refused = post(api(sales_manager), "/api/v1/tokens", {"name": "CRM push", "scope": "ingest"})
    assert refused.status_code == 403
    client = api(admin)
    made = post(client, "/api/v1/tokens", {"name": "ERP nightly push", "scope": "ingest"})
    assert made.status_code == 201 and made.json()["scope"] == "ingest"
    scopes = {t["name"]: t["scope"] for t in client.get("/api/v1/tokens").json()["items"]}
    assert scopes["ERP nightly push"] == "ingest" and scopes["tests"] == "full"
    bad = post(client, "/api/v1/tokens", {"name": "x", "scope": "everything"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scope"
    # A revoked ingestion token is a 401 like any other.
    token = ApiToken.objects.for_org(admin.organization).get(pk=made.json()["id"])
    services.token_revoke(by=admin, token=token)
    gone = Client(headers={"Authorization": f"Bearer {made.json()['token']}"})
    assert post(gone, "/api/v1/data-points", {"points": []}).status_code == 401


def test_full_tokens_and_sessions_still_reach_everything(api, web, admin, revenue):
    assert api(admin).get("/api/v1/me").status_code == 200
    assert (
        post(
            web(admin), "/api/v1/data-points", {"points": [{"kpi": revenue.pk, "date": "2026-11-02", "value": "3"}]}
        ).status_code
        == 201
    )


def test_settings_page_ingestion_card(web, admin, sales_manager):
    client = web(admin)
    made = client.post("/settings/", {"section": "ingest_token", "name": "ERP nightly push"})
    assert made.status_code == 200
    raw = ApiToken.objects.for_org(admin.organization).get(name="ERP nightly push")
    assert raw.scope == "ingest" and raw.membership_id == admin.pk
    page = made.content.decode()
    assert "Copy this ingestion token now" in page and 'id="new-ingest-token"' in page
    shown = page.split('id="new-ingest-token"')[1].split('value="')[1].split('"')[0]
    assert shown.startswith("tdm_")
    again = client.get("/settings/").content.decode()
    assert "Ingestion tokens" in again and "ERP nightly push" in again and shown not in again
    blank = client.post("/settings/", {"section": "ingest_token", "name": ""})
    assert blank.status_code == 422
    member = web(sales_manager)
    assert "Ingestion tokens" not in member.get("/settings/").content.decode()
    assert member.post("/settings/", {"section": "ingest_token", "name": "sneaky"}).status_code == 403
    # Another admin's page lists it too, with who made it, and may revoke it.
    assert client.post(f"/settings/tokens/{raw.pk}/revoke/").status_code == 302


def test_token_command_makes_ingestion_tokens(admin, sales_manager):
    out = StringIO()
    call_command(
        "token", "create", "--user", admin.user.email, "--org", "lotus", "--ingest", "--name", "ERP", stdout=out
    )
    raw = out.getvalue().strip()
    assert ApiToken.objects.for_org(admin.organization).get(name="ERP").scope == "ingest" and raw.startswith("tdm_")
    with pytest.raises(CommandError, match="administrator"):
        call_command(
            "token", "create", "--user", sales_manager.user.email, "--org", "lotus", "--ingest", stdout=StringIO()
        )


# --- KPIs by key ---------------------------------------------------------------------------------------------


def test_kpis_are_addressed_by_key_or_id(api, admin, revenue, outsider):
    client = api(admin)
    by_key = client.get("/api/v1/kpis/push_revenue")
    assert by_key.status_code == 200 and by_key.json()["id"] == revenue.pk
    assert client.get(f"/api/v1/kpis/{revenue.pk}").json()["key"] == "push_revenue"
    assert client.get("/api/v1/kpis/push_revenue/periods").status_code == 200
    assert client.get("/api/v1/kpis/push_revenue/health").status_code == 200
    renamed = client.patch(
        "/api/v1/kpis/push_revenue", json.dumps({"key": "push_sales"}), content_type="application/json"
    )
    assert renamed.status_code == 200 and renamed.json()["key"] == "push_sales"
    assert client.get("/api/v1/kpis/push_revenue").status_code == 404
    for odd in ("Push_Sales", "push-sales", "0", "push%00sales", "x" * 61, "%C2%B2", "12%C2%B2"):
        assert client.get(f"/api/v1/kpis/{odd}").status_code in (404, 422), odd
    assert api(outsider).get("/api/v1/kpis/push_sales").status_code == 404


# --- last data received -------------------------------------------------------------------------------------


def test_last_received_in_the_api_and_on_the_page(api, web, admin, revenue):
    client = api(admin)
    assert client.get("/api/v1/kpis/push_revenue").json()["last_received_at"] is None
    page = web(admin).get(f"/kpis/{revenue.pk}/").content.decode()
    assert "No data received yet" in page
    post(client, "/api/v1/data-points", {"points": [{"kpi": "push_revenue", "date": "2026-11-02", "value": "1"}]})
    body = client.get("/api/v1/kpis/push_revenue").json()
    assert body["last_received_source"] == "api" and body["last_received_at"] is not None
    page = web(admin).get(f"/kpis/{revenue.pk}/").content.decode()
    assert "Last data received" in page and "the API" in page and "stale" not in page.split('id="data-flow"')[1][:600]
    web(admin).post(f"/kpis/{revenue.pk}/record/", {"date": "2026-11-03", "value": "2"})
    assert "entered by hand" in web(admin).get(f"/kpis/{revenue.pk}/").content.decode()


def test_stale_hint_and_connector_named(web, admin, revenue):
    from tandem.integrations.models import Connector

    connector = Connector.objects.for_org(admin.organization).create(
        organization=admin.organization, name="ERP orders", kind="sql", owner=admin
    )
    Kpi.objects.for_org(admin.organization).filter(pk=revenue.pk).update(
        last_received_at=timezone.now() - datetime.timedelta(days=70), last_received_source=connector.source
    )
    page = web(admin).get(f"/kpis/{revenue.pk}/").content.decode()
    flow = page.split('id="data-flow"')[1][:900]
    assert "connector ERP orders" in flow and "stale" in flow
