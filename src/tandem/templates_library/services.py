"""Templates: the built-in library's and the organization's own. Creating a KPI from one, saving a KPI as
one, and listing them; objectives from templates are in ``tandem.okrs.templating``. A template is named by
its key ("units_sold") or, for one of the organization's own, "org:<id>"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import NotFound, ValidationError, full_clean
from tandem.kpis import access as kpi_access
from tandem.kpis import services as kpi_services
from tandem.kpis.models import Kpi
from tandem.orgs.models import Membership
from tandem.templates_library import library
from tandem.templates_library.models import SavedTemplate, TemplateKind

ORG_PREFIX = "org:"


def language_of(language: str | None, by: Membership) -> str:
    return language or by.user.language or by.organization.language or get_language() or "en"


def saved(by: Membership, template: str, kind: str) -> SavedTemplate:
    raw = template[len(ORG_PREFIX) :]
    found = (
        SavedTemplate.objects.for_org(by.organization).filter(pk=int(raw), kind=kind).first() if raw.isdigit() else None
    )
    if found is None:
        raise ValidationError("template", _("No such template."))
    return found


def kpi_spec(*, by: Membership, template: str, language: str | None = None) -> dict[str, Any]:
    """A KPI template as the arguments of ``kpi_create`` in one language (no owner, team or guardrails)."""
    language = language_of(language, by)
    if template.startswith(ORG_PREFIX):
        return dict(saved(by, template, TemplateKind.KPI).data)
    try:
        found = library.kpi_template(template)
    except KeyError:
        raise ValidationError("template", _("No such template.")) from None
    return {
        "key": found.key,
        "name": found.text("name", language),
        "description": found.text("description", language),
        "unit": found.text("unit", language),
        "unit_kind": found.unit_kind,
        "direction": found.direction,
        "aggregation": found.aggregation,
        "frequency": found.frequency,
        "threshold_mode": found.threshold_mode,
        "target": None if found.target is None else str(found.target),
        "amber_threshold": None if found.amber_threshold is None else str(found.amber_threshold),
        "red_threshold": str(found.red_threshold),
        "band_low": None if found.band_low is None else str(found.band_low),
        "band_high": None if found.band_high is None else str(found.band_high),
    }


def kpi_from_template(
    *,
    by: Membership,
    template: str,
    key: str | None = None,
    owner: object = None,
    team: object = None,
    language: str | None = None,
) -> Kpi:
    """A new draft KPI from a template; its key is the template's, numbered when the organization uses it."""
    kpi_access.require_kpi_author(by)
    spec = kpi_spec(by=by, template=template, language=language)
    base = key or spec.pop("key", "") or "kpi"
    spec.pop("key", None)
    taken = set(
        Kpi.objects.for_org(by.organization)
        .filter(Q(key=base) | Q(key__startswith=f"{base}_"))
        .values_list("key", flat=True)
    )
    chosen, n = base, 2
    while chosen in taken and not key:
        chosen, n = f"{base[:55]}_{n}", n + 1
    numbers = ("target", "amber_threshold", "red_threshold", "band_low", "band_high")
    values = {k: (Decimal(v) if k in numbers and v is not None else v) for k, v in spec.items()}
    extra = {"owner": owner} if owner else {}
    return kpi_services.kpi_create(by=by, key=chosen, team=team, **extra, **values)


def template_save_kpi(*, by: Membership, kpi: Kpi, name: str = "") -> SavedTemplate:
    """Save a KPI's definition and current rules as one of the organization's templates."""
    kpi_access.require_kpi_author(by)
    from tandem.core.periods import local_today
    from tandem.kpis import selectors as kpi_selectors

    version = kpi_selectors.version_on(kpi, local_today(by.organization.tz))
    data = {
        "key": kpi.key,
        "name": kpi.name,
        "description": kpi.description,
        "unit": kpi.unit,
        "unit_kind": kpi.unit_kind,
    }
    for field in kpi_services.RULE_FIELDS:
        value = getattr(version, field)
        data[field] = str(value) if isinstance(value, Decimal) else value
    return template_save(by, TemplateKind.KPI, (name or kpi.name).strip(), data)


def template_save(by: Membership, kind: str, name: str, data: dict[str, Any]) -> SavedTemplate:
    template = SavedTemplate(organization=by.organization, kind=kind, name=name, data=data, created_by=by)
    full_clean(template)
    with transaction.atomic():
        template.save()
        audit.record(
            organization=by.organization, actor=by, obj=template, action="created", changes={"name": [None, name]}
        )
    return template


def template_delete(*, by: Membership, template: SavedTemplate) -> None:
    kpi_access.require_kpi_author(by)
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=template,
            action="deleted",
            changes={"name": [template.name, None]},
        )
        template.delete()


def templates(
    *, membership: Membership, kind: str, function: str | None = None, language: str | None = None
) -> list[dict[str, Any]]:
    """The templates to choose from, the organization's own first, then the library's, in one language."""
    language = language_of(language, membership)
    function = function or None
    found: list[dict[str, Any]] = []
    saved = SavedTemplate.objects.for_org(membership.organization).filter(kind=kind).order_by("name", "id")
    for item in saved:
        if function and item.function != function:
            continue
        found.append(
            {
                "id": f"{ORG_PREFIX}{item.pk}",
                "kind": kind,
                "function": item.function,
                "name": item.name,
                "description": item.data.get("description", ""),
                "key_results": [kr["title"] for kr in item.data.get("key_results", [])],
                "builtin": False,
            }
        )
    if function and function not in dict(library.FUNCTIONS):
        raise ValidationError("function", _("No such function."))
    if kind == TemplateKind.OKR:
        for okr in library.okr_templates(function):
            found.append(
                {
                    "id": okr.key,
                    "kind": kind,
                    "function": okr.function,
                    "name": okr.text("objective", language),
                    "description": okr.text("description", language),
                    "key_results": [kr.text("title", language) for kr in okr.key_results],
                    "builtin": True,
                }
            )
    else:
        for kpi in library.kpi_templates(function):
            found.append(
                {
                    "id": kpi.key,
                    "kind": kind,
                    "function": kpi.function,
                    "name": kpi.text("name", language),
                    "description": kpi.text("description", language),
                    "key_results": [],
                    "builtin": True,
                }
            )
    return found


def saved_template_get(*, membership: Membership, template_id: int) -> SavedTemplate:
    found = SavedTemplate.objects.for_org(membership.organization).filter(pk=template_id).first()
    if found is None:
        raise NotFound()
    return found
