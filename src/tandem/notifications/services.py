"""Telling people what happened: one entry point that every app calls with an event."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import ValidationError
from tandem.notifications.events import EMAIL_CHANNELS, IN_APP_CHANNELS, KINDS, Channel, kind_of
from tandem.notifications.models import EmailState, Notification, NotificationPreference, Reminder
from tandem.orgs.models import Membership, Organization

log = logging.getLogger(__name__)
T = TypeVar("T")  # noqa: UP040 - kept simple for Python 3.11
# An occasion of a reminder: (recipient id, kind, key), e.g. (12, "digest", "2026-W49").
Occasion = tuple[int, str, str]
KEYS_PER_QUERY = 500


def channels_for(*, recipients: Iterable[Membership], kind: str) -> dict[int, str]:
    """Each person's channel for one kind of event: their choice, else the kind's default (one query)."""
    people = list(recipients)
    if not people:
        return {}
    chosen = dict(
        NotificationPreference.objects.for_org(people[0].organization_id)
        .filter(membership__in=people, kind=kind)
        .values_list("membership_id", "channel")
    )
    default = KINDS[kind].default
    return {person.pk: chosen.get(person.pk, default) for person in people}


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
    organization), delivered as each of them chose for the event's kind: in the inbox, by email, both or
    not at all. Written with the change that caused it (it runs inside the caller's transaction); the
    emails go out with the delivery task, batched per person."""
    chosen: dict[int, Membership] = {}
    for person in recipients:
        if person is None or not person.is_active or (actor is not None and person.pk == actor.pk):
            continue
        if actor is not None and person.organization_id != actor.organization_id:
            continue
        chosen[person.pk] = person
    if not chosen:
        return []
    channels = channels_for(recipients=chosen.values(), kind=kind_of(event).key)
    organization_id = next(iter(chosen.values())).organization_id
    object_type = getattr(obj, "audit_type", obj._meta.model_name or "")
    rows = [
        Notification(
            organization_id=organization_id,
            recipient=person,
            actor=actor,
            event=event,
            params=params or {},
            object_type=object_type,
            object_id=str(obj.pk),
            url=url,
            in_app=channels[person.pk] in IN_APP_CHANNELS,
            email_state=EmailState.PENDING if channels[person.pk] in EMAIL_CHANNELS else EmailState.NONE,
        )
        for person in chosen.values()
        if channels[person.pk] != Channel.NONE
    ]
    return Notification.objects.for_org(organization_id).bulk_create(rows)


def notifications_mark_read(*, by: Membership, ids: list[int] | None = None) -> int:
    """Mark the person's own notifications read: the given ones, or all of them."""
    unread = Notification.objects.for_org(by.organization).filter(recipient=by, in_app=True, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    with transaction.atomic():
        return unread.update(read_at=timezone.now())


def notification_preferences_set(*, by: Membership, channels: dict[str, str]) -> dict[str, str]:
    """Choose the channel for some kinds of events (the others keep theirs). Anyone may choose their own,
    viewers included; the change is audited on the person."""
    for kind, channel in channels.items():
        if kind not in KINDS:
            raise ValidationError(kind, _("There is no such kind of notification."))
        if channel not in Channel.values:
            raise ValidationError(
                kind, _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(c) for c in Channel.values)}
            )
    before = preferences_of(membership=by)
    with transaction.atomic():
        for kind, channel in channels.items():
            NotificationPreference.objects.for_org(by.organization).update_or_create(
                organization=by.organization, membership=by, kind=kind, defaults={"channel": channel}
            )
        after = preferences_of(membership=by)
        changed = {f"notify_{k}": [before[k], after[k]] for k in channels if before[k] != after[k]}
        if changed:
            audit.record(organization=by.organization, actor=by, obj=by, action="notifications_chosen", changes=changed)
    return after


def preferences_of(*, membership: Membership) -> dict[str, str]:
    """Every kind with the person's channel for it (their choice or the default), in the registry's order."""
    chosen = dict(
        NotificationPreference.objects.for_org(membership.organization_id)
        .filter(membership=membership)
        .values_list("kind", "channel")
    )
    return {key: chosen.get(key, kind.default) for key, kind in KINDS.items()}


def reminders_send_once(
    *, organization: Organization, occasions: dict[Occasion, T], send: Callable[[list[T]], None]
) -> list[T]:
    """Call ``send`` with what is due for the occasions not yet reminded of, writing their :class:`Reminder`
    rows in the same transaction; returns what was sent. A periodic task may run twice, or on two workers
    at once: the second finds the rows (or loses the race on their unique constraint) and sends nothing."""
    if not occasions:
        return []
    kinds = sorted({kind for _recipient, kind, _key in occasions})
    keys = sorted({key for _recipient, _kind, key in occasions})
    try:
        with transaction.atomic():
            sent: set[Occasion] = set()
            for start in range(0, len(keys), KEYS_PER_QUERY):
                sent.update(
                    Reminder.objects.for_org(organization)
                    .filter(kind__in=kinds, key__in=keys[start : start + KEYS_PER_QUERY])
                    .values_list("recipient_id", "kind", "key")
                )
            fresh = {occasion: item for occasion, item in occasions.items() if occasion not in sent}
            if not fresh:
                return []
            Reminder.objects.for_org(organization).bulk_create(
                Reminder(organization=organization, recipient_id=recipient, kind=kind, key=key)
                for recipient, kind, key in fresh
            )
            send(list(fresh.values()))
    except IntegrityError:
        log.info("reminders of organization %s: already sent by another run", organization.pk)
        return []
    return list(fresh.values())
