"""Reading the inbox: a person's own notifications only, and their sentences in the reader's language."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tandem.notifications.models import Notification
from tandem.orgs.models import Membership


def notifications(*, membership: Membership, unread: bool = False) -> QuerySet[Notification]:
    found = Notification.objects.for_org(membership.organization).filter(recipient=membership)
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


def sentence(notification: Notification) -> str:
    """What happened, as a sentence in the active language."""
    params = dict(notification.params)
    params.setdefault("title", "")
    actor = notification.actor.display_name if notification.actor else _("Someone")
    templates = {
        "objective.created": _("%(actor)s added the objective “%(title)s”, aligned with yours."),
        "objective.changed": _("%(actor)s changed the objective “%(title)s”: %(changes)s."),
        "objective.deleted": _("%(actor)s deleted the objective “%(title)s”."),
        "key_result.created": _("%(actor)s added the key result “%(title)s” to “%(objective)s”."),
        "key_result.changed": _("%(actor)s changed the key result “%(title)s”: %(changes)s."),
        "key_result.deleted": _("%(actor)s deleted the key result “%(title)s” of “%(objective)s”."),
    }
    template = templates.get(notification.event)
    if template is None:
        return _("%(actor)s: %(event)s") % {"actor": actor, "event": notification.event}
    return template % {"objective": "", **params, "actor": actor, "changes": _changes(params)}
