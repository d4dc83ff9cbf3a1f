"""The inbox page, the bell's count, and each person's choice of what reaches them and how."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tandem.core.ids import parse_id
from tandem.core.views_helpers import form_status, member_required, run_form
from tandem.notifications import selectors, services
from tandem.notifications.events import KINDS, Channel
from tandem.orgs.models import Membership


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@member_required
def inbox(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    page = Paginator(selectors.notifications(membership=me), 50).get_page(request.GET.get("page"))
    entries = [{"notification": n, "sentence": selectors.sentence(n)} for n in page.object_list]
    return render(request, "notifications/inbox.html", {"page": page, "entries": entries})


@require_GET
@member_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with its unread count; the navigation asks for it again every few seconds."""
    return render(
        request, "notifications/partials/bell.html", {"unread": selectors.unread_count(membership=_me(request))}
    )


@require_POST
@member_required
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (``id``) and follow its link, or all of them."""
    me = _me(request)
    chosen = parse_id(request.POST.get("id"))
    services.notifications_mark_read(by=me, ids=[chosen] if chosen else None)
    if chosen:
        found = selectors.notifications(membership=me).filter(pk=chosen).first()
        if found is not None and found.url.startswith("/"):
            return redirect(found.url)
    return redirect("notifications")


class PreferencesForm(forms.Form):
    """One channel per kind of event; the fields are built from the registry."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for key, kind in KINDS.items():
            self.fields[key] = forms.ChoiceField(label=kind.label, help_text=kind.help, choices=Channel.choices)


@member_required
def preferences(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = PreferencesForm(request.POST or None, initial=services.preferences_of(membership=me))
    if run_form(request, form, lambda data: services.notification_preferences_set(by=me, channels=data)) is not None:
        messages.success(request, _("Saved."))
        return redirect("notification_preferences")
    context = {
        "form": form,
        "rows": [form[key] for key in KINDS],
        "backlog": selectors.email_backlog(membership=me) if me.is_admin else None,
        "nav_section": "settings",
    }
    return render(request, "notifications/preferences.html", context, status=form_status(form))
