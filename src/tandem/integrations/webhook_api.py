"""``/api/v1/webhooks`` and ``/api/v1/webhook-deliveries``: administrators manage the organization's outgoing
webhooks, read each one's delivery history, send a test ping and redeliver."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.integrations import webhook_schemas as schemas
from tandem.integrations import webhook_selectors as selectors
from tandem.integrations import webhook_services as services
from tandem.orgs.models import Membership

router = Router(tags=["webhooks"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


@router.get("/webhooks", response=list[schemas.WebhookOut])
@paginate(Pagination)
def webhook_list(request: HttpRequest):
    """The organization's webhooks (administrators only)."""
    return selectors.webhooks(membership=_me(request))


@router.post("/webhooks", response={201: schemas.WebhookCreated})
def webhook_create(request: HttpRequest, payload: schemas.WebhookIn):
    """A new webhook; the answer carries its signing secret, shown only this once."""
    webhook, secret = services.webhook_create(by=_me(request), **payload.dict())
    webhook.secret = secret  # type: ignore[attr-defined]
    return Status(201, webhook)


@router.get("/webhooks/{webhook_id}", response=schemas.WebhookOut)
def webhook_read(request: HttpRequest, webhook_id: Id):
    return selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response=schemas.WebhookOut)
def webhook_update(request: HttpRequest, webhook_id: Id, payload: schemas.WebhookPatch):
    webhook = selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)
    return services.webhook_update(by=_me(request), webhook=webhook, **payload.dict(exclude_unset=True))


@router.delete("/webhooks/{webhook_id}", response={204: None})
def webhook_delete(request: HttpRequest, webhook_id: Id):
    services.webhook_delete(
        by=_me(request), webhook=selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)
    )
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response=schemas.WebhookCreated)
def webhook_secret_rotate(request: HttpRequest, webhook_id: Id):
    """A new signing secret, shown only this once; the old one stops working at once."""
    webhook = selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)
    webhook, secret = services.webhook_secret_rotate(by=_me(request), webhook=webhook)
    webhook.secret = secret  # type: ignore[attr-defined]
    return webhook


@router.get("/webhooks/{webhook_id}/deliveries", response=list[schemas.DeliveryOut])
@paginate(Pagination)
def webhook_delivery_list(request: HttpRequest, webhook_id: Id):
    """The webhook's deliveries, newest first, with each one's last answer."""
    webhook = selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)
    return selectors.webhook_deliveries(membership=_me(request), webhook=webhook)


@router.post("/webhooks/{webhook_id}/test", response={201: schemas.DeliveryOut})
def webhook_test(request: HttpRequest, webhook_id: Id):
    """Queue a ``ping`` event to the webhook; follow it in its deliveries."""
    webhook = selectors.webhook_get(membership=_me(request), webhook_id=webhook_id)
    return Status(201, services.webhook_test(by=_me(request), webhook=webhook))


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response=schemas.DeliveryOut)
def webhook_delivery_redeliver(request: HttpRequest, delivery_id: Id):
    """Send one delivery again now, with the same body and id."""
    delivery = selectors.webhook_delivery_get(membership=_me(request), delivery_id=delivery_id)
    return services.webhook_delivery_redeliver(by=_me(request), delivery=delivery)
