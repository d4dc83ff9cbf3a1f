"""Email delivery: each person's pending notifications go out as one short email per burst.

A burst is over when the person has had no new notification for ``EMAIL_BATCH_SECONDS`` (or, however busy
it stays, ``EMAIL_BATCH_MAX_SECONDS`` after its first one). An email is marked sent only after the mail
server took it: when it cannot be reached the notifications stay pending with the error, and the next run
tries again later (1, 2, 4 … 60 minutes). A crash between sending and marking sends a burst twice rather
than never.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Max, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.notifications.models import EmailState, Notification
from tandem.notifications.selectors import sentence
from tandem.orgs.models import Membership

log = logging.getLogger(__name__)
RETRY_CAP = datetime.timedelta(hours=1)


@dataclass
class Delivered:
    """What one run did: emails sent, notifications they carried, people whose email failed."""

    emails: int = 0
    notifications: int = 0
    failed: list[str] = field(default_factory=list)


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def _due_recipients(now: datetime.datetime) -> list[int]:
    quiet = now - datetime.timedelta(seconds=settings.EMAIL_BATCH_SECONDS)
    busy = now - datetime.timedelta(seconds=settings.EMAIL_BATCH_MAX_SECONDS)
    # The outbox spans every organization: delivery is the one reader that must see them all.
    bursts = (
        Notification.objects.unscoped()
        .filter(email_state=EmailState.PENDING)
        .values("recipient")
        .annotate(newest=Max("created_at"), oldest=Min("created_at"), retry=Max("email_next_attempt_at"))
        .filter(Q(newest__lte=quiet) | Q(oldest__lte=busy))
        .filter(Q(retry__isnull=True) | Q(retry__lte=now))
    )
    return [row["recipient"] for row in bursts]


def _message(recipient: Membership, batch: list[Notification]) -> EmailMultiAlternatives:
    with translation.override(recipient.user.language or recipient.organization.language):
        items = [{"sentence": sentence(n), "url": absolute(n.url) if n.url else ""} for n in batch]
        if len(items) == 1:
            subject = items[0]["sentence"]
            subject = subject if len(subject) <= 120 else subject[:119] + "…"
        else:
            subject = ngettext(
                "Tandem: %(count)s update in %(organization)s",
                "Tandem: %(count)s updates in %(organization)s",
                len(items),
            ) % {"count": len(items), "organization": recipient.organization.name}
        context = {
            "recipient": recipient,
            "items": items,
            "organization": recipient.organization,
            "preferences_url": absolute("/settings/notifications/"),
            "inbox_url": absolute("/notifications/"),
        }
        text = render_to_string("notifications/email/batch.txt", context)
        html = render_to_string("notifications/email/batch.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[recipient.user.email])
    message.attach_alternative(html, "text/html")
    return message


def _retry_at(now: datetime.datetime, attempts: int) -> datetime.datetime:
    return now + min(datetime.timedelta(minutes=2 ** (attempts - 1)), RETRY_CAP)


def emails_deliver(*, now: datetime.datetime | None = None) -> Delivered:
    """Send every burst that is over, one email per person; keep the rest for the next run."""
    now = now or timezone.now()
    done = Delivered()
    recipients = _due_recipients(now)
    if not recipients:
        return done
    rows = (
        Notification.objects.unscoped()
        .filter(email_state=EmailState.PENDING, recipient__in=recipients)
        .select_related("recipient__user", "recipient__organization", "actor__user")
        .order_by("recipient", "created_at", "id")
    )
    batches: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        batches[row.recipient_id].append(row)
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except OSError as exc:
        _failed(batches.values(), now, _("The mail server cannot be reached: %(error)s") % {"error": exc})
        done.failed = [batch[0].recipient.user.email for batch in batches.values()]
        return done
    try:
        for batch in batches.values():
            recipient = batch[0].recipient
            try:
                connection.send_messages([_message(recipient, batch)])
            except Exception as exc:  # the SMTP library raises many kinds; each is kept as the person's error
                log.warning("email to %s failed: %s", recipient.pk, exc)
                _failed([batch], now, _("The mail server refused the email: %(error)s") % {"error": exc})
                done.failed.append(recipient.user.email)
                continue
            Notification.objects.unscoped().filter(pk__in=[n.pk for n in batch]).update(
                email_state=EmailState.SENT, emailed_at=now, email_error="", email_next_attempt_at=None
            )
            done.emails += 1
            done.notifications += len(batch)
    finally:
        connection.close()
    return done


def _failed(batches: Iterable[list[Notification]], now: datetime.datetime, error: str) -> None:
    for batch in batches:
        attempts = max(n.email_attempts for n in batch) + 1
        Notification.objects.unscoped().filter(pk__in=[n.pk for n in batch]).update(
            email_attempts=attempts, email_error=error[:1000], email_next_attempt_at=_retry_at(now, attempts)
        )
