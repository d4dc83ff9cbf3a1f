"""Actions: what people will do about a KPI or a key result, with an owner, a due date and a status.

Open actions are the work in hand; done and dropped ones stay as the record of what was tried."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.kpis.models import Kpi
from tandem.okrs.models import TITLE_MAX, KeyResult
from tandem.orgs.models import Membership, validate_not_blank

EFFECT_MAX = 200


class ActionStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("Doing")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_STATUSES = (ActionStatus.TODO, ActionStatus.DOING)
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.DROPPED)


class Action(TenantModel):
    """One thing a person will do to move a KPI or a key result (exactly one of the two), by a due date, with
    the effect it is expected to have ("+5% conversion"). ``completed_at`` is set when it is marked done."""

    kpi = models.ForeignKey(
        Kpi, verbose_name=_("KPI"), null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    key_result = models.ForeignKey(
        KeyResult,
        verbose_name=_("key result"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_not_blank])
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="actions")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.TODO)
    expected_effect = models.CharField(_("expected effect"), max_length=EFFECT_MAX, blank=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    audit_type = "action"

    class Meta:
        verbose_name = _("action")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "owner", "status", "due_date"], name="action_owner_status_due"),
            models.Index(fields=["organization", "status", "due_date"], name="action_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kpi__isnull=False, key_result__isnull=True) | Q(kpi__isnull=True, key_result__isnull=False),
                name="action_on_kpi_or_key_result",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
