"""An organization's own templates, saved from one of its objectives or KPIs, beside the built-in library."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.orgs.models import NAME_MAX, Membership, validate_not_blank


class TemplateKind(models.TextChoices):
    OKR = "okr", _("OKR")
    KPI = "kpi", _("KPI")


class SavedTemplate(TenantModel):
    """A reusable objective with its key results, or a KPI definition, in the words its author wrote."""

    kind = models.CharField(_("kind"), max_length=3, choices=TemplateKind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    function = models.CharField(_("function"), max_length=30, blank=True)
    data = models.JSONField()
    created_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "template"

    class Meta:
        verbose_name = _("saved template")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name
