"""The in-app inbox: what happened that a person should know about."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.orgs.models import Membership


class Notification(TenantModel):
    """One event for one person. The sentence is rendered when it is read, in the reader's language, from
    the event's kind and parameters; the link leads straight to the object."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(_("event"), max_length=60)
    params = models.JSONField(default=dict)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "recipient", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"
