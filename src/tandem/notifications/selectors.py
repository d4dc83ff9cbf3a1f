"""Reading the inbox: a person's own notifications only, and their sentences in the reader's language."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tandem.notifications.events import EVENTS
from tandem.notifications.models import EmailState, Notification
from tandem.orgs.models import Membership


def notifications(*, membership: Membership, unread: bool = False) -> QuerySet[Notification]:
    """The person's inbox: what they chose to see in the app, newest first."""
    found = Notification.objects.for_org(membership.organization).filter(recipient=membership, in_app=True)
    if unread:
        found = found.filter(read_at__isnull=True)
    return found.select_related("actor__user").order_by("-created_at", "-id")


def unread_count(*, membership: Membership) -> int:
    return notifications(membership=membership, unread=True).count()


def _changes(params: dict[str, Any]) -> str:
    from tandem.core.history import label

    return "; ".join(
        _("%(field)s from %(before)s to %(after)s") % {"field": label(field), "before": before, "after": after}
        for field, before, after in params.get("changes", [])
    )


class _Blank(dict[str, Any]):
    """Parameters for a sentence: a name the caller did not store reads as empty, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def sentence(notification: Notification) -> str:
    """What happened, as a sentence in the active language."""
    actor = notification.actor.display_name if notification.actor else _("Someone")
    event = EVENTS.get(notification.event)
    if event is None:
        return _("%(actor)s: %(event)s") % {"actor": actor, "event": notification.event}
    params = _Blank(notification.params)
    params.update(actor=actor, changes=_changes(notification.params))
    return str(event.sentence) % params


def email_backlog(*, membership: Membership) -> dict[str, Any]:
    """For administrators: the organization's emails still waiting, and the last delivery error."""
    pending = Notification.objects.for_org(membership.organization).filter(email_state=EmailState.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    failing = pending.filter(email_attempts__gt=0).order_by("-email_attempts", "-id")
    last = failing.values("email_error", "email_attempts", "email_next_attempt_at").first()
    return {"waiting": pending.count(), "oldest": oldest, "failing": last}
