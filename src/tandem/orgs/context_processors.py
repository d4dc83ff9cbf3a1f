from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from tandem.notifications import selectors as notification_selectors
from tandem.orgs import selectors


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """The shell's organization switcher and signed-in person."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"membership": None, "organization": None}
    return {
        "membership": membership,
        "organization": membership.organization,
        "switchable_memberships": lambda: list(selectors.memberships_of(request.user)),  # type: ignore[arg-type]
        # Read only when the bell is drawn.
        "unread_notifications": lambda: notification_selectors.unread_count(membership=membership),
        "bell_seconds": settings.BELL_POLL_SECONDS,
    }
