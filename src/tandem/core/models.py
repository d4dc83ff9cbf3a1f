"""Rows every app shares: the audit trail and the worker's heartbeat."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel


class AuditEvent(TenantModel):
    """One change to domain data: who did what to which object, with the changed fields before and after.

    Written in the same transaction as the change it describes (``tandem.core.audit.record``),
    so there is never a change without its event or an event without its change.
    """

    actor = models.ForeignKey("orgs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too, so the history still says who acted after the person is removed.
    actor_name = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "object_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_type}:{self.object_id}"


class WorkerHeartbeat(models.Model):
    """The last time the background worker ran its periodic health task (one row)."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
