"""Webhooks through the API and the pages: administrators only, bad input named by field, other
organizations' webhooks not found, the secret shown once."""

from __future__ import annotations

import json

import pytest

from tandem.integrations import webhook_services
from tandem.integrations.models import Webhook

from . import webhook_receiver
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
receiver = webhook_receiver.receiver  # the fixture: a real HTTP receiver on 127.0.0.1


def post(client, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_create_list_read_update_delete(api, admin):
    client = api(admin)
    created = post(
        client,
        "/api/v1/webhooks",
        {"name": "ERP", "url": "https://erp.example/hook", "events": ["data_points.received", "check_in.created"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["data_points.received", "check_in.created"]
    assert body["secret_hint"].startswith("whs") and body["secret"] not in body["secret_hint"]
    listed = client.get("/api/v1/webhooks").json()
    assert listed["count"] == 1 and "secret" not in listed["items"][0]
    patched = client.patch(
        f"/api/v1/webhooks/{body['id']}",
        json.dumps({"active": False, "events": ["ping"]}),
        content_type="application/json",
    )
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"] == "events"
    patched = client.patch(
        f"/api/v1/webhooks/{body['id']}", json.dumps({"active": False}), content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    rotated = post(client, f"/api/v1/webhooks/{body['id']}/rotate-secret", {})
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]
    assert client.delete(f"/api/v1/webhooks/{body['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "url": "http://erp.example/hook", "events": ["check_in.created"]}, "url"),
        ({"name": "x", "url": "not a url", "events": ["check_in.created"]}, "url"),
        ({"name": "x", "url": "https://erp.example/hook", "events": ["kpi.exploded"]}, "events"),
        ({"name": "x", "url": "https://erp.example/hook", "events": []}, "events"),
        ({"name": "   ", "url": "https://erp.example/hook", "events": ["check_in.created"]}, "name"),
        ({"name": "", "url": "https://erp.example/hook", "events": ["check_in.created"]}, "name"),
        ({"name": "x", "url": "https://erp.example/hook", "events": ["check_in.created"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, admin, payload, field):
    response = post(api(admin), "/api/v1/webhooks", payload)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Webhook.objects.for_org(admin.organization).exists()


def test_http_allowed_when_the_installation_says_so(api, admin, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    response = post(api(admin), "/api/v1/webhooks", {"name": "x", "url": "http://erp.local/hook", "events": ["ping"]})
    assert response.status_code == 422  # ping is not subscribable
    response = post(
        api(admin), "/api/v1/webhooks", {"name": "x", "url": "http://erp.local/hook", "events": ["check_in.created"]}
    )
    assert response.status_code == 201


def test_members_get_403_and_other_organizations_404(api, web, admin, sales_manager, outsider):
    webhook, _secret = webhook_services.webhook_create(
        by=admin, name="Lotus hook", url="https://lotus.example/hook", events=["check_in.created"]
    )
    delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    manager = api(sales_manager)
    assert manager.get("/api/v1/webhooks").status_code == 403
    assert manager.get(f"/api/v1/webhooks/{webhook.pk}").status_code == 403
    assert post(
        manager, "/api/v1/webhooks", {"name": "x", "url": "https://a.example", "events": ["ping"]}
    ).status_code in (
        403,
        422,
    )
    assert web(sales_manager).get("/data/webhooks/").status_code == 403
    stranger = api(outsider)
    assert stranger.get(f"/api/v1/webhooks/{webhook.pk}").status_code == 404
    assert stranger.get(f"/api/v1/webhooks/{webhook.pk}/deliveries").status_code == 404
    assert post(stranger, f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver", {}).status_code == 404
    assert post(stranger, f"/api/v1/webhooks/{webhook.pk}/test", {}).status_code == 404
    assert stranger.get("/api/v1/webhooks").json()["count"] == 0
    assert web(outsider).get(f"/data/webhooks/{webhook.pk}/").status_code == 404


def test_test_ping_and_history_through_the_api(
    api, admin, receiver: Receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = api(admin)
    webhook_id = post(
        client, "/api/v1/webhooks", {"name": "r", "url": receiver.url, "events": ["check_in.created"]}
    ).json()["id"]
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, f"/api/v1/webhooks/{webhook_id}/test", {}).status_code == 201
    assert len(receiver.of("ping")) == 3
    with django_assert_max_num_queries(8):
        history = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?limit=2").json()
    assert history["count"] == 3 and len(history["items"]) == 2
    first = history["items"][0]
    assert first["status"] == "succeeded" and first["response_status"] == 200 and first["payload"]["event"] == "ping"
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, f"/api/v1/webhook-deliveries/{first['id']}/redeliver", {})
    assert again.status_code == 200 and len(receiver.of("ping")) == 4
    assert receiver.requests[-1].json["id"] == first["payload"]["id"]


def test_pages_create_shows_secret_once_then_test(web, admin, receiver: Receiver, django_capture_on_commit_callbacks):
    client = web(admin)
    assert client.get("/data/webhooks/").status_code == 200
    form = client.get("/data/webhooks/new/")
    assert form.status_code == 200 and "kpi.status_changed" in form.content.decode()
    bad = client.post("/data/webhooks/new/", {"name": "Page hook", "url": "ftp://x", "events": ["check_in.created"]})
    assert bad.status_code == 422 and "Enter a full address" in bad.content.decode()
    none = client.post("/data/webhooks/new/", {"name": "Page hook", "url": receiver.url})
    assert none.status_code == 422 and "Choose at least one event" in none.content.decode()
    created = client.post(
        "/data/webhooks/new/",
        {"name": "Page hook", "url": receiver.url, "events": ["check_in.created"], "active": "on"},
    )
    assert created.status_code == 200
    webhook = Webhook.objects.for_org(admin.organization).get(name="Page hook")
    assert "whsec_" in created.content.decode()
    detail = client.get(f"/data/webhooks/{webhook.pk}/")
    assert "whsec_" not in detail.content.decode() and "Page hook" in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(f"/data/webhooks/{webhook.pk}/test/")
    assert tested.status_code == 302 and len(receiver.of("ping")) == 1
    page = client.get(f"/data/webhooks/{webhook.pk}/").content.decode()
    assert "HTTP 200" in page and "ping" in page
    edited = client.post(
        f"/data/webhooks/{webhook.pk}/edit/",
        {"name": "Renamed hook", "url": receiver.url, "events": ["objective.changed"]},
    )
    assert edited.status_code == 302
    webhook.refresh_from_db()
    assert webhook.name == "Renamed hook" and webhook.events == ["objective.changed"] and webhook.active is False
    assert client.post(f"/data/webhooks/{webhook.pk}/delete/").status_code == 302
    assert not Webhook.objects.for_org(admin.organization).exists()
