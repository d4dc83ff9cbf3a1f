"""1:1 feedback: the private conversation between a manager and each of their reports, with notes that
may point at the report's objectives and KPIs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.kpis.models import Kpi
from tandem.okrs.models import Objective
from tandem.orgs.models import Membership, validate_not_blank


class FeedbackThread(TenantModel):
    """The 1:1 thread of one manager and one report, readable by the two of them and administrators only.
    It outlives a change of manager: the former pair keep their thread, and the new manager opens their own."""

    manager = models.ForeignKey(
        Membership, verbose_name=_("manager"), on_delete=models.CASCADE, related_name="feedback_threads_managed"
    )
    report = models.ForeignKey(
        Membership, verbose_name=_("report"), on_delete=models.CASCADE, related_name="feedback_threads"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "feedback_thread"

    class Meta:
        verbose_name = _("1:1 feedback thread")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["manager", "report"], name="feedback_thread_once")]

    def __str__(self) -> str:
        return f"{self.manager_id} ↔ {self.report_id}"


class FeedbackNote(TenantModel):
    """One message in a 1:1 thread, by the manager or the report, optionally about one of the report's
    objectives or KPIs."""

    thread = models.ForeignKey(FeedbackThread, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("note"), validators=[validate_not_blank])
    kpi = models.ForeignKey(
        Kpi, verbose_name=_("about the KPI"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("about the objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("1:1 feedback note")
        ordering = ["thread", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.body[:50]}"
