"""Outgoing webhooks: the events an organization's systems can be told about, how one is emitted, and how a
delivery is signed.

A service where something happens calls :func:`webhook_emit` (one line, inside its transaction). Once the
transaction commits, one query finds the organization's active webhooks; those subscribed to the event get
a :class:`~tandem.integrations.models.WebhookDelivery` each (one ``bulk_create``), and the worker sends
them (``tandem.integrations.webhook_delivery``). An organization without webhooks pays that one query.

The body sent is ``{"id", "event", "created_at", "organization", "data"}``; ``id`` is the delivery's
identifier, the same on every retry and redelivery, so a receiver can ignore a repeat. Each request carries
``X-Tandem-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<X-Tandem-Timestamp>.<body>"`` under the
webhook's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.integrations.models import Webhook, WebhookDelivery

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Text
else:
    from django.utils.functional import Promise as Text

PING = "ping"


@dataclass(frozen=True)
class WebhookEvent:
    """An event a webhook may subscribe to, with the fields of its ``data`` (documented, kept stable)."""

    key: str
    label: Text
    fields: str


EVENTS: dict[str, WebhookEvent] = {
    event.key: event
    for event in (
        WebhookEvent(
            "kpi.status_changed",
            _("A KPI's current period changed colour"),
            "kpi {id, key, name}, period, status (green|amber|red|no_data), previous_status",
        ),
        WebhookEvent(
            "data_points.received",
            _("Data points were received"),
            "kpis [{id, key, count}], count, source",
        ),
        WebhookEvent(
            "check_in.created",
            _("A key result was checked in"),
            "check_in {id, value, confidence, note, source}, key_result {id, title}, objective {id, title}, author",
        ),
        WebhookEvent(
            "objective.changed",
            _("An objective was created, changed or deleted"),
            "action (created|updated|deleted), objective {id, title, cycle, owner, team, visibility}, changes",
        ),
        WebhookEvent(
            "watermelon.flagged",
            _("A KPI is green while a guardrail is red"),
            "kpi {id, key, name}, guardrails [{id, key, name}]",
        ),
        WebhookEvent(
            "change_request.decided",
            _("A KPI change request was approved or rejected"),
            "change_request {id, state, comment, effective_from}, kpi {id, key, name}, decided_by",
        ),
        WebhookEvent(PING, _("Test ping (the “Send test” button)"), "webhook {id, name}"),
    )
}
# What a webhook may subscribe to: every event but the ping, which is only sent on request.
SUBSCRIBABLE = [key for key in EVENTS if key != PING]

_local = threading.local()


def kpi_ref(kpi: Any) -> dict[str, Any]:
    """A KPI as every payload names it."""
    return {"id": kpi.pk, "key": kpi.key, "name": kpi.name}


def person_ref(membership: Any) -> dict[str, Any] | None:
    """A person as payloads name them: id and name, never the email."""
    if membership is None:
        return None
    return {"id": membership.pk, "name": membership.display_name}


def change_request_data(by: Any, request: Any) -> dict[str, Any]:
    """``change_request.decided``: the request as decided, its KPI and who decided."""
    return {
        "change_request": {
            "id": request.pk,
            "state": request.state,
            "comment": request.comment,
            "effective_from": request.effective_from.isoformat(),
        },
        "kpi": kpi_ref(request.kpi),
        "decided_by": person_ref(by),
    }


def check_in_data(check_in: Any) -> dict[str, Any]:
    """``check_in.created``: the check-in, its key result and objective, and its author (none when the key
    result follows a KPI)."""
    key_result = check_in.key_result
    return {
        "check_in": {
            "id": check_in.pk,
            "value": str(check_in.value),
            "confidence": check_in.confidence,
            "note": check_in.note,
            "source": check_in.source,
        },
        "key_result": {"id": key_result.pk, "title": key_result.title, "progress": str(key_result.progress)},
        "objective": {"id": key_result.objective_id, "title": key_result.objective.title},
        "author": person_ref(check_in.author),
    }


def objective_data(objective: Any, action: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """``objective.changed``: what happened (created, updated, deleted), the objective, and for an update
    the fields changed as ``{"field": [before, after]}``."""
    return {
        "action": action,
        "objective": {
            "id": objective.pk,
            "title": objective.title,
            "cycle": objective.cycle_id,
            "owner": objective.owner_id,
            "team": objective.team_id,
            "visibility": objective.visibility,
            "progress": str(objective.progress),
        },
        "changes": changes or {},
    }


def payload_of(*, delivery_id: str, event: str, organization_slug: str, data: dict[str, Any], at: Any) -> dict:
    return {
        "id": delivery_id,
        "event": event,
        "created_at": at.isoformat(),
        "organization": organization_slug,
        "data": data,
    }


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 under the webhook's secret of ``"<timestamp>.<body>"``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _active_webhooks(organization_id: int) -> list[Webhook]:
    """The organization's active webhooks, read once per commit however many events it emitted."""
    cache: dict[int, list[Webhook]] = _local.__dict__.setdefault("webhooks", {})
    if organization_id not in cache:
        cache[organization_id] = list(
            Webhook.objects.for_org(organization_id).filter(active=True).select_related("organization")
        )
    return cache[organization_id]


def _deliveries_create(organization_id: int, event: str, data: dict[str, Any], at: Any) -> None:
    hooks = [hook for hook in _active_webhooks(organization_id) if event in (hook.events or [])]
    if not hooks:
        return
    deliveries = []
    for hook in hooks:
        ident = str(uuid.uuid4())
        deliveries.append(
            WebhookDelivery(
                organization_id=organization_id,
                webhook=hook,
                event=event,
                payload=payload_of(
                    delivery_id=ident, event=event, organization_slug=hook.organization.slug, data=data, at=at
                ),
                next_attempt_at=at,
            )
        )
    created = WebhookDelivery.objects.for_org(organization_id).bulk_create(deliveries)
    deliveries_enqueue([d.pk for d in created])


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Hand deliveries to the worker now; the every-minute sweep catches any the queue lost."""
    from tandem.integrations.webhook_tasks import webhook_deliver

    for pk in delivery_ids:
        if pk is not None:
            webhook_deliver(pk)


def webhook_emit(*, organization_id: int, event: str, data: dict[str, Any]) -> None:
    """Tell the organization's webhooks subscribed to ``event``, once the current transaction commits
    (nothing is sent for a change that rolls back)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    at = timezone.now()
    # A new transaction may have added or removed webhooks: read them afresh after it commits.
    _local.__dict__.setdefault("webhooks", {}).pop(organization_id, None)
    transaction.on_commit(lambda: _deliveries_create(organization_id, event, data, at))
