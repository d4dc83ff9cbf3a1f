"""Reads of shared data: an object's audit history, for whoever may see that object."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import parse_id
from tandem.core.models import AuditEvent

if TYPE_CHECKING:
    from tandem.orgs.models import Membership

# object type -> a selector that returns the object if the member may see it, else raises NotFound.
# Each app registers its own types in AppConfig.ready(), so history is never more visible than its object.
AuditedGetter = Callable[["Membership", int], Any]
AUDITED_TYPES: dict[str, AuditedGetter] = {}


def register_audited(object_type: str, getter: AuditedGetter) -> None:
    AUDITED_TYPES[object_type] = getter


def parse_object_ref(ref: str) -> tuple[str, int]:
    """``"person:12"`` → ``("person", 12)``, or a field error naming the accepted types."""
    kind, _sep, raw_id = (ref or "").partition(":")
    if kind not in AUDITED_TYPES:
        known = ", ".join(sorted(AUDITED_TYPES))
        raise ValidationError("object", _("Use TYPE:ID where TYPE is one of %(known)s.") % {"known": known})
    object_id = parse_id(raw_id)
    if object_id is None:
        raise ValidationError("object", _("The id after ':' must be a number."))
    return kind, object_id


def audit_history(*, membership: Membership, object_type: str, object_id: int) -> QuerySet[AuditEvent]:
    getter = AUDITED_TYPES.get(object_type)
    if getter is None:
        raise NotFound()
    getter(membership, object_id)
    return (
        AuditEvent.objects.for_org(membership.organization)
        .filter(object_type=object_type, object_id=str(object_id))
        .select_related("actor__user")
        .order_by("-created_at", "-id")
    )


def history_page(*, membership: Membership, object_type: str, object_id: int, limit: int = 30) -> list[Any]:
    """The latest ``limit`` events of an object's history, labelled and with names, for its page."""
    from tandem.core import history

    events = list(audit_history(membership=membership, object_type=object_type, object_id=object_id)[:limit])
    return history.readable(membership=membership, events=events)
