"""The in-app inbox, the email outbox, each person's choice of channels, and the log of reminders sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.notifications.events import Channel
from tandem.orgs.models import Membership


class EmailState(models.TextChoices):
    NONE = "", _("Not by email")
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")


class Notification(TenantModel):
    """One event for one person. The sentence is rendered when it is read, in the reader's language, from
    the event's kind and parameters; the link leads straight to the object.

    The same row is the inbox entry (``in_app``) and the email outbox entry (``email_state``): an email
    waits as *pending* until the delivery task sends it with the rest of the person's burst, and stays
    pending, with the error and the time of the next attempt, while the mail server cannot be reached."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(_("event"), max_length=60)
    params = models.JSONField(default=dict)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    in_app = models.BooleanField(default=True)
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.NONE, blank=True)
    email_attempts = models.PositiveIntegerField(default=0)
    email_error = models.TextField(blank=True)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "recipient", "read_at"], name="notification_inbox"),
            models.Index(
                fields=["email_state", "recipient"],
                name="notification_outbox",
                condition=models.Q(email_state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"


class NotificationPreference(TenantModel):
    """How one person wants one kind of event delivered; without a row, the kind's default applies."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["membership", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.kind}: {self.channel}"


class Reminder(TenantModel):
    """A reminder or digest already sent to one person for one occasion (``key``: the ISO week, or an
    action and its due date). The unique constraint is what makes a periodic task that runs twice send
    once, even when two workers run it at the same moment."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=80)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "key"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient_id}"
