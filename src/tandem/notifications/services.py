"""Telling people what happened: one entry point that every app calls with an event."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from tandem.notifications.models import Notification
from tandem.orgs.models import Membership


def notify(
    *,
    actor: Membership | None,
    recipients: Iterable[Membership | None],
    event: str,
    obj: models.Model,
    url: str = "",
    params: dict[str, object] | None = None,
) -> list[Notification]:
    """One notification per recipient (each once, never the actor, only active members of the actor's
    organization), written with the change that caused it: it runs inside the caller's transaction."""
    chosen: dict[int, Membership] = {}
    for person in recipients:
        if person is None or not person.is_active or (actor is not None and person.pk == actor.pk):
            continue
        if actor is not None and person.organization_id != actor.organization_id:
            continue
        chosen[person.pk] = person
    if not chosen:
        return []
    organization_id = next(iter(chosen.values())).organization_id
    object_type = getattr(obj, "audit_type", obj._meta.model_name or "")
    return Notification.objects.for_org(organization_id).bulk_create(
        Notification(
            organization_id=organization_id,
            recipient=person,
            actor=actor,
            event=event,
            params=params or {},
            object_type=object_type,
            object_id=str(obj.pk),
            url=url,
        )
        for person in chosen.values()
    )


def notifications_mark_read(*, by: Membership, ids: list[int] | None = None) -> int:
    """Mark the person's own notifications read: the given ones, or all of them."""
    unread = Notification.objects.for_org(by.organization).filter(recipient=by, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    with transaction.atomic():
        return unread.update(read_at=timezone.now())
