"""Every change to an organization's webhooks: create, edit, pause, delete, rotate the secret, send a test
ping, redeliver. Administrators only; each writes in one transaction with its audit event. The signing
secret is returned once (on creation and rotation) and otherwise kept sealed."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import ValidationError, full_clean
from tandem.integrations import crypto
from tandem.integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from tandem.integrations.webhooks import EVENTS, PING, SUBSCRIBABLE, deliveries_enqueue, payload_of
from tandem.orgs import access
from tandem.orgs.models import Membership

SECRET_PREFIX = "whsec_"
FIELDS = ["name", "url", "events", "active"]


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _clean_url(raw: object) -> str:
    url = str(raw or "").strip()
    if not url:
        raise ValidationError("url", _("Give the address Tandem should send events to."))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationError("url", _("Enter a full address such as https://erp.example.com/tandem-events.")) from None
    if urlsplit(url).scheme != "https" and not settings.WEBHOOK_ALLOW_HTTP:
        raise ValidationError("url", _("Use an https:// address: events are only sent over an encrypted connection."))
    return url


def _clean_events(raw: object) -> list[str]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationError("events", _("Choose at least one event."))
    unknown = [str(e) for e in raw if e not in SUBSCRIBABLE]
    if unknown:
        raise ValidationError(
            "events",
            _("Unknown event %(event)s; choose from %(known)s.")
            % {"event": unknown[0], "known": ", ".join(SUBSCRIBABLE)},
        )
    return [key for key in SUBSCRIBABLE if key in raw]


def _audited(webhook: Webhook) -> dict[str, Any]:
    # The URL's path and query may carry the receiver's own token: the history keeps only the host.
    return {
        "name": webhook.name,
        "url": urlsplit(webhook.url).hostname or "",
        "events": ", ".join(webhook.events),
        "active": webhook.active,
    }


def webhook_create(
    *, by: Membership, name: str, url: str, events: list[str], active: bool = True
) -> tuple[Webhook, str]:
    """A new webhook and its signing secret, which is returned this once."""
    access.require_admin(by)
    secret = _new_secret()
    webhook = Webhook(
        organization=by.organization,
        name=(name or "").strip(),
        url=_clean_url(url),
        events=_clean_events(events),
        active=bool(active),
        sealed_secrets=crypto.seal({"secret": secret}),
        created_by=by,
    )
    full_clean(webhook)
    with transaction.atomic():
        webhook.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=webhook,
            action="created",
            changes=audit.diff({}, _audited(webhook)),
        )
    return webhook, secret


def webhook_update(*, by: Membership, webhook: Webhook, **changes: Any) -> Webhook:
    """Change a webhook's name, address, events or whether it is active (a paused webhook keeps its
    waiting deliveries and sends them once active again)."""
    access.require_admin(by)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = _audited(webhook)
    if "name" in changes:
        webhook.name = str(changes["name"] or "").strip()
    if "url" in changes:
        webhook.url = _clean_url(changes["url"])
    if "events" in changes:
        webhook.events = _clean_events(changes["events"])
    if "active" in changes:
        webhook.active = bool(changes["active"])
    full_clean(webhook)
    with transaction.atomic():
        webhook.save()
        audit.record(
            organization=by.organization,
            actor=by,
            obj=webhook,
            action="updated",
            changes=audit.diff(before, _audited(webhook)),
        )
    return webhook


def webhook_delete(*, by: Membership, webhook: Webhook) -> None:
    """Delete a webhook and its delivery history."""
    access.require_admin(by)
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=webhook,
            action="deleted",
            changes=audit.diff(_audited(webhook), {}),
        )
        webhook.delete()


def webhook_secret_rotate(*, by: Membership, webhook: Webhook) -> tuple[Webhook, str]:
    """A new signing secret, returned this once; deliveries sent from now on are signed with it."""
    access.require_admin(by)
    secret = _new_secret()
    with transaction.atomic():
        webhook.sealed_secrets = crypto.seal({"secret": secret})
        webhook.save(update_fields=["sealed_secrets"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=webhook,
            action="secret_rotated",
            changes={"rotated_at": [None, timezone.now().isoformat()]},
        )
    return webhook, secret


def webhook_test(*, by: Membership, webhook: Webhook) -> WebhookDelivery:
    """Queue a ``ping`` to this webhook, whatever events it subscribes to, so its receiver can be tried."""
    access.require_admin(by)
    now = timezone.now()
    data = {"webhook": {"id": webhook.pk, "name": webhook.name}}
    with transaction.atomic():
        delivery = WebhookDelivery.objects.for_org(by.organization).create(
            organization=by.organization,
            webhook=webhook,
            event=PING,
            payload=payload_of(
                delivery_id=str(uuid.uuid4()),
                event=PING,
                organization_slug=by.organization.slug,
                data=data,
                at=now,
            ),
            next_attempt_at=now,
        )
        audit.record(
            organization=by.organization,
            actor=by,
            obj=webhook,
            action="tested",
            changes={"delivery": [None, delivery.pk]},
        )
        transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))
    return delivery


def webhook_delivery_redeliver(*, by: Membership, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same body and id (a receiver that keeps ids ignores a repeat).
    A delivery that gave up gets one more attempt."""
    access.require_admin(by)
    now = timezone.now()
    with transaction.atomic():
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now
        delivery.save(update_fields=["status", "next_attempt_at"])
        audit.record(
            organization=by.organization,
            actor=by,
            obj=delivery.webhook,
            action="redelivered",
            changes={"delivery": [None, delivery.pk]},
        )
        transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))
    return delivery


def event_choices() -> list[tuple[str, str]]:
    """The events a webhook may subscribe to, as (key, label) for forms and docs."""
    return [(key, str(EVENTS[key].label)) for key in SUBSCRIBABLE]
