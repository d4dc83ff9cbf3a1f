"""Every read of webhooks and their deliveries: administrators only, scoped to their organization."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.integrations import crypto
from tandem.integrations.models import Webhook, WebhookDelivery
from tandem.orgs import access
from tandem.orgs.models import Membership


def webhooks(*, membership: Membership) -> QuerySet[Webhook]:
    """The organization's webhooks (administrators only: a webhook sees every event of the organization)."""
    access.require_admin(membership)
    return Webhook.objects.for_org(membership.organization).select_related("created_by__user")


def webhook_get(*, membership: Membership, webhook_id: int) -> Webhook:
    webhook = webhooks(membership=membership).filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound()
    return webhook


def webhook_deliveries(*, membership: Membership, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """A webhook's deliveries, newest first."""
    access.require_admin(membership)
    return (
        WebhookDelivery.objects.for_org(membership.organization).filter(webhook=webhook).order_by("-created_at", "-id")
    )


def webhook_delivery_get(*, membership: Membership, delivery_id: int) -> WebhookDelivery:
    access.require_admin(membership)
    delivery = (
        WebhookDelivery.objects.for_org(membership.organization)
        .select_related("webhook")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound()
    return delivery


def secret_hint(webhook: Webhook) -> str:
    """The secret as shown back: enough to recognise it, never enough to sign with it."""
    return crypto.mask(str(crypto.unseal(webhook.sealed_secrets).get("secret", "")))
