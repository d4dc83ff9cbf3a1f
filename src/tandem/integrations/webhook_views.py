"""Webhook pages, under Data → Webhooks (administrators only): the list, the form, a webhook with its
delivery history, the test ping and redelivery."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.integrations import webhook_selectors as selectors
from tandem.integrations import webhook_services as services
from tandem.integrations.models import Webhook
from tandem.integrations.webhook_forms import WebhookForm
from tandem.integrations.webhooks import EVENTS
from tandem.orgs.models import Membership

DELIVERIES_PER_PAGE = 50


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@member_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    hooks = list(selectors.webhooks(membership=_me(request)))
    return render(request, "integrations/webhooks.html", {"webhooks": hooks, "events": EVENTS})


def _detail(request: HttpRequest, webhook: Webhook, *, secret: str = "") -> HttpResponse:
    me = _me(request)
    page = Paginator(selectors.webhook_deliveries(membership=me, webhook=webhook), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "webhook": webhook,
            "secret": secret,
            "secret_hint": selectors.secret_hint(webhook),
            "deliveries": page,
            "events": EVENTS,
        },
    )


@member_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    selectors.webhooks(membership=me)  # administrators only, before showing the form
    form = WebhookForm(request.POST or None, initial={"active": True})
    created = run_form(request, form, lambda data: services.webhook_create(by=me, **data))
    if created is not None:
        webhook, secret = created
        messages.success(request, _("The webhook was created. Copy its secret now: it is shown only once."))
        # The secret is shown in this answer only, never stored in the clear.
        return _detail(request, webhook, secret=secret)
    return render(request, "integrations/webhook_form.html", {"form": form, "webhook": None}, status=form_status(form))


@member_required
def webhook_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    return _detail(request, selectors.webhook_get(membership=_me(request), webhook_id=webhook_id))


@member_required
def webhook_edit(request: HttpRequest, webhook_id: int) -> HttpResponse:
    me = _me(request)
    webhook = selectors.webhook_get(membership=me, webhook_id=webhook_id)
    initial = {"name": webhook.name, "url": webhook.url, "events": webhook.events, "active": webhook.active}
    form = WebhookForm(request.POST or None, initial=initial)
    saved = run_form(request, form, lambda data: services.webhook_update(by=me, webhook=webhook, **data))
    if saved is not None:
        messages.success(request, _("The webhook was saved."))
        return redirect("webhook_detail", webhook_id=webhook.pk)
    return render(
        request, "integrations/webhook_form.html", {"form": form, "webhook": webhook}, status=form_status(form)
    )


@require_POST
@member_required
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    me = _me(request)
    webhook = selectors.webhook_get(membership=me, webhook_id=webhook_id)
    services.webhook_delete(by=me, webhook=webhook)
    messages.success(request, _("The webhook %(name)s was deleted.") % {"name": webhook.name})
    return redirect("webhooks")


@require_POST
@member_required
def webhook_secret_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    me = _me(request)
    webhook, secret = services.webhook_secret_rotate(
        by=me, webhook=selectors.webhook_get(membership=me, webhook_id=webhook_id)
    )
    messages.success(request, _("A new secret was made; the old one no longer signs deliveries."))
    return _detail(request, webhook, secret=secret)


@require_POST
@member_required
def webhook_test(request: HttpRequest, webhook_id: int) -> HttpResponse:
    me = _me(request)
    webhook = selectors.webhook_get(membership=me, webhook_id=webhook_id)
    services.webhook_test(by=me, webhook=webhook)
    messages.success(request, _("A test ping was sent; its delivery is at the top of the history."))
    return redirect("webhook_detail", webhook_id=webhook.pk)


@require_POST
@member_required
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    me = _me(request)
    delivery = selectors.webhook_delivery_get(membership=me, delivery_id=delivery_id)
    services.webhook_delivery_redeliver(by=me, delivery=delivery)
    messages.success(request, _("The delivery was queued again."))
    return redirect("webhook_detail", webhook_id=delivery.webhook_id)
