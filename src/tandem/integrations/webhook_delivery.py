"""Sending webhook deliveries, by the worker: one POST per attempt, signed, with growing delays between
failed attempts (1, 2, 4, 8… minutes) until the receiver answers 2xx or ``WEBHOOK_MAX_ATTEMPTS`` is reached.

A delivery is claimed before it is sent (its next attempt moved past the request's timeout in one
conditional UPDATE), so the task queued at emit time and the every-minute sweep never send it twice at once.
"""

from __future__ import annotations

import datetime
import json
import logging

import httpx
from django.conf import settings
from django.utils import timezone

from tandem.integrations import crypto
from tandem.integrations.models import DeliveryStatus, WebhookDelivery
from tandem.integrations.webhooks import signature

log = logging.getLogger(__name__)

USER_AGENT = "Tandem-Webhooks/1"
SWEEP_BATCH = 500


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8… minutes."""
    return datetime.timedelta(minutes=2 ** max(attempts - 1, 0))


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): the stored payload as compact JSON."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _claim(delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    lease = now + datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT + 30)
    # The worker finds a delivery by id across organizations: it sends for all of them.
    claimed = (
        WebhookDelivery.objects.unscoped()
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__active=True)
        .update(next_attempt_at=lease)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.unscoped().select_related("webhook").filter(pk=delivery_id).first()


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(HTTP status or None, the start of the response body, the error in words)."""
    body = body_of(delivery)
    timestamp = str(int(timezone.now().timestamp()))
    secret = str(crypto.unseal(delivery.webhook.sealed_secrets).get("secret", ""))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tandem-Event": delivery.event,
        "X-Tandem-Delivery": str(delivery.payload.get("id", delivery.pk)),
        "X-Tandem-Timestamp": timestamp,
        "X-Tandem-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }
    try:
        response = httpx.post(
            delivery.webhook.url,
            content=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return None, "", f"No answer within {settings.WEBHOOK_TIMEOUT} s."
    except httpx.HTTPError as exc:
        return None, "", f"Could not connect: {exc}"[:500]
    excerpt = response.text[:500] if response.content else ""
    if 200 <= response.status_code < 300:
        return response.status_code, excerpt, ""
    return response.status_code, excerpt, f"The receiver answered HTTP {response.status_code}."


def webhook_delivery_send(*, delivery_id: int, now: datetime.datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt at a due delivery and record its outcome; None when it is not due (delivered, given
    up, waiting for its next attempt, its webhook paused, or being sent by another worker)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    status_code, excerpt, error = _post(delivery)
    delivery.attempts += 1
    delivery.response_status = status_code
    delivery.response_body = excerpt
    delivery.error = error
    done = max(now, timezone.now())
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, done, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        log.warning(
            "webhook %s: delivery %s gave up after %s attempts", delivery.webhook_id, delivery.pk, delivery.attempts
        )
    else:
        delivery.next_attempt_at = done + backoff(delivery.attempts)
    WebhookDelivery.objects.unscoped().filter(pk=delivery.pk).update(
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        response_status=delivery.response_status,
        response_body=delivery.response_body,
        error=delivery.error,
        delivered_at=delivery.delivered_at,
    )
    return delivery


def webhook_deliveries_due(*, now: datetime.datetime | None = None) -> int:
    """Send every delivery whose next attempt is due (the every-minute sweep). Returns how many were tried."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.unscoped()
        .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__active=True)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(1 for pk in due if webhook_delivery_send(delivery_id=pk, now=now) is not None)
