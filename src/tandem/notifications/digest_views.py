"""The managers' digest page: what the weekly digest email says, up to date, with links."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tandem.core.views_helpers import member_required
from tandem.notifications.digest import digest_for
from tandem.orgs.models import Membership


@require_GET
@member_required
def digest(request: HttpRequest) -> HttpResponse:
    """The digest of the teams the person manages (every team for an administrator)."""
    me: Membership = request.membership  # type: ignore[attr-defined]
    return render(request, "notifications/digest.html", {"digest": digest_for(manager=me, now=timezone.now())})
