"""Outgoing webhooks end to end: the real services emit each event, the worker's code sends it to a real
HTTP receiver on 127.0.0.1, signed; failures are retried with backoff and given up after the last attempt."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.integrations import webhook_delivery, webhook_services
from tandem.integrations.models import DeliveryStatus, WebhookDelivery
from tandem.integrations.webhooks import EVENTS, SUBSCRIBABLE
from tandem.kpis import points as kpi_points
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpi_services
from tandem.okrs import check_ins
from tandem.okrs import services as okr_services

from . import webhook_receiver
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db
receiver = webhook_receiver.receiver  # the fixture: a real HTTP receiver on 127.0.0.1


def verify(secret: str, received) -> bool:  # type: ignore[no-untyped-def]
    """How a receiver checks a delivery (the README's snippet)."""
    timestamp = received.headers["X-Tandem-Timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Tandem-Signature"], f"sha256={expected}")


@pytest.fixture
def hook(admin, receiver):  # type: ignore[no-untyped-def]
    webhook, secret = webhook_services.webhook_create(
        by=admin, name="ERP events", url=receiver.url, events=list(SUBSCRIBABLE)
    )
    return webhook, secret


def _kpi(admin, key="hook_revenue", target=100, **extra):  # type: ignore[no-untyped-def]
    kpi = kpi_services.kpi_create(
        by=admin,
        key=key,
        name=key.replace("_", " ").title(),
        target=Decimal(target),
        red_threshold=Decimal(90),
        **extra,
    )
    return kpi_services.kpi_submit(by=admin, kpi=kpi)


def test_ping_is_signed_and_verifies(admin, hook, receiver: Receiver, django_capture_on_commit_callbacks):
    webhook, secret = hook
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    [got] = receiver.requests
    assert got.headers["X-Tandem-Event"] == "ping"
    assert got.headers["Content-Type"] == "application/json"
    assert verify(secret, got)
    assert not verify(secret + "x", got)
    body = got.json
    assert set(body) == {"id", "event", "created_at", "organization", "data"}
    assert body["event"] == "ping" and body["organization"] == "lotus"
    assert body["data"] == {"webhook": {"id": webhook.pk, "name": "ERP events"}}
    assert got.headers["X-Tandem-Delivery"] == body["id"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert delivery.delivered_at is not None and delivery.response_body == "ok"


def test_failure_retries_with_backoff_then_succeeds(
    admin, hook, receiver: Receiver, django_capture_on_commit_callbacks
):
    webhook, secret = hook
    receiver.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500 and "500" in delivery.error and delivery.response_body == "receiver is down"
    first_wait = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < first_wait <= datetime.timedelta(minutes=1)
    # Not due yet: the sweep leaves it alone.
    assert webhook_delivery.webhook_deliveries_due() == 0
    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert webhook_delivery.webhook_deliveries_due(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.response_status == 503
    assert delivery.next_attempt_at - later == pytest.approx(
        datetime.timedelta(minutes=2), abs=datetime.timedelta(seconds=5)
    )
    assert webhook_delivery.webhook_deliveries_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3 and delivery.error == ""
    # Every attempt carries the same delivery id and body, each freshly signed.
    assert len({r.headers["X-Tandem-Delivery"] for r in receiver.requests}) == 1
    assert all(verify(secret, r) for r in receiver.requests)


def test_gives_up_after_max_attempts_and_redeliver_tries_again(
    admin, hook, receiver: Receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    webhook, _secret = hook
    receiver.answers = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    waits = []
    for _ in range(5):
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        waits.append(delivery.next_attempt_at)
        webhook_delivery.webhook_deliveries_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert len(receiver.requests) == 3
    # Backoff doubles: 1 then 2 minutes.
    assert [round((b - a).total_seconds() / 60) for a, b in zip(waits, waits[1:], strict=False)] == [2]
    receiver.answers = []
    with django_capture_on_commit_callbacks(execute=True):
        webhook_services.webhook_delivery_redeliver(by=admin, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and len(receiver.requests) == 4


def test_unreachable_receiver_is_an_error_in_words(admin, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_HTTP = True
    webhook, _secret = webhook_services.webhook_create(
        by=admin, name="Nowhere", url="http://127.0.0.1:9/hook", events=["check_in.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status is None and delivery.error.startswith("Could not connect")


def test_paused_webhook_keeps_its_deliveries_until_active(admin, hook, receiver, django_capture_on_commit_callbacks):
    webhook, _secret = hook
    webhook_services.webhook_update(by=admin, webhook=webhook, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_services.webhook_test(by=admin, webhook=webhook)
    assert receiver.requests == []
    webhook_services.webhook_update(by=admin, webhook=webhook, active=True)
    assert webhook_delivery.webhook_deliveries_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


# --- each event comes from the real service that causes it ------------------------------------------------


def test_data_points_status_change_and_watermelon(admin, hook, receiver, django_capture_on_commit_callbacks):
    guard = _kpi(admin, key="hook_guard")
    kpi = _kpi(admin, key="hook_revenue", guardrails=[guard.pk])
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        kpi_points.data_points_record(
            by=admin,
            points=[
                {"kpi": "hook_revenue", "date": today, "value": "1000"},
                {"kpi": guard.pk, "date": today, "value": "1"},
            ],
            source="erp",
        )
    [received] = receiver.of("data_points.received")
    data = received.json["data"]
    assert data["count"] == 2 and data["source"] == "erp"
    assert sorted(k["key"] for k in data["kpis"]) == ["hook_guard", "hook_revenue"]
    changes = {r.json["data"]["kpi"]["key"]: r.json["data"] for r in receiver.of("kpi.status_changed")}
    assert changes["hook_revenue"]["status"] == "green" and changes["hook_revenue"]["previous_status"] is None
    assert changes["hook_guard"]["status"] == "red"
    [melon] = receiver.of("watermelon.flagged")
    assert melon.json["data"]["kpi"]["key"] == "hook_revenue"
    assert [g["key"] for g in melon.json["data"]["guardrails"]] == ["hook_guard"]
    # The same colour again: data arrives, no status change, no second watermelon.
    with django_capture_on_commit_callbacks(execute=True):
        kpi_points.data_points_record(by=admin, points=[{"kpi": kpi.pk, "date": today, "value": "5"}])
    assert len(receiver.of("data_points.received")) == 2
    assert len(receiver.of("watermelon.flagged")) == 1


def test_check_in_and_objective_changes(admin, hook, receiver, django_capture_on_commit_callbacks):
    today = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        cycle = okr_services.cycle_create(
            by=admin,
            name="Hook cycle",
            start=today - datetime.timedelta(days=3),
            end=today + datetime.timedelta(days=3),
        )
        okr_services.cycle_advance(by=admin, cycle=cycle, state="active")
        objective = okr_services.objective_create(by=admin, cycle=cycle, title="Hook objective")
        key_result = okr_services.key_result_create(by=admin, objective=objective, title="Hook KR", target_value=10)
    with django_capture_on_commit_callbacks(execute=True):
        check_ins.key_result_check_in(by=admin, key_result=key_result, value="4", confidence="on_track", note="half")
    [created] = receiver.of("check_in.created")
    data = created.json["data"]
    assert data["check_in"]["value"] == "4.000000" or Decimal(data["check_in"]["value"]) == 4
    assert data["check_in"]["confidence"] == "on_track" and data["check_in"]["note"] == "half"
    assert data["key_result"]["title"] == "Hook KR" and data["objective"]["id"] == objective.pk
    assert data["author"]["id"] == admin.pk
    with django_capture_on_commit_callbacks(execute=True):
        okr_services.objective_update(by=admin, objective=objective, title="Hook objective, renamed")
        okr_services.objective_delete(by=admin, objective=objective)
    actions = [
        (r.json["data"]["action"], r.json["data"]["objective"]["title"]) for r in receiver.of("objective.changed")
    ]
    assert actions == [
        ("created", "Hook objective"),
        ("updated", "Hook objective, renamed"),
        ("deleted", "Hook objective, renamed"),
    ]
    updated = receiver.of("objective.changed")[1].json["data"]
    assert updated["changes"]["title"] == ["Hook objective", "Hook objective, renamed"]


def test_change_request_decided(admin, hook, receiver, django_capture_on_commit_callbacks):
    kpi = _kpi(admin, key="hook_margin")
    request = kpi_services.change_request_create(
        by=admin,
        kpi=kpi_selectors.kpi_get(membership=admin, kpi_id=kpi.pk),
        changes={"target": Decimal(120)},
        reason="grow",
    )
    with django_capture_on_commit_callbacks(execute=True):
        kpi_services.change_request_reject(by=admin, request=request, comment="not this quarter")
    [decided] = receiver.of("change_request.decided")
    data = decided.json["data"]
    assert data["change_request"]["state"] == "rejected" and data["change_request"]["comment"] == "not this quarter"
    assert data["kpi"]["key"] == "hook_margin" and data["decided_by"]["id"] == admin.pk


def test_only_subscribed_events_of_the_own_organization(
    admin, outsider, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    mine, _s = webhook_services.webhook_create(
        by=admin, name="Only data", url=receiver.url, events=["data_points.received"]
    )
    webhook_services.webhook_create(by=outsider, name="Orchid", url=receiver.url, events=list(SUBSCRIBABLE))
    kpi = _kpi(admin, key="hook_units")
    with django_capture_on_commit_callbacks(execute=True):
        kpi_points.data_points_record(by=admin, points=[{"kpi": kpi.pk, "date": "2026-11-02", "value": "3"}])
    assert [r.headers["X-Tandem-Event"] for r in receiver.requests] == ["data_points.received"]
    assert receiver.requests[0].json["organization"] == "lotus"
    assert WebhookDelivery.objects.for_org(outsider.organization).count() == 0
    assert WebhookDelivery.objects.for_org(admin.organization).filter(webhook=mine).count() == 1


def test_emitting_costs_one_query_without_webhooks(
    admin, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from tandem.integrations.webhooks import webhook_emit

    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            webhook_emit(organization_id=admin.organization_id, event="data_points.received", data={})
    with django_assert_num_queries(1):
        for callback in callbacks:
            callback()


def test_events_are_documented():
    assert set(SUBSCRIBABLE) == {
        "kpi.status_changed",
        "data_points.received",
        "check_in.created",
        "objective.changed",
        "watermelon.flagged",
        "change_request.decided",
    }
    assert all(EVENTS[key].fields for key in EVENTS)
