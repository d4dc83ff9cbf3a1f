"""The inbox page: a person's notifications, newest first, and marking them read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.core.ids import parse_id
from tandem.core.views_helpers import member_required
from tandem.notifications import selectors, services
from tandem.orgs.models import Membership


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@member_required
def inbox(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    page = Paginator(selectors.notifications(membership=me), 50).get_page(request.GET.get("page"))
    entries = [{"notification": n, "sentence": selectors.sentence(n)} for n in page.object_list]
    return render(request, "notifications/inbox.html", {"page": page, "entries": entries})


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
