"""Objectives from templates (the built-in library or the organization's own), and saving an objective with
its key results as a template. KPI templates and the listing are in ``tandem.templates_library.services``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationError
from tandem.kpis import access as kpi_access
from tandem.okrs import services
from tandem.okrs.models import Cycle, KeyResult, Objective, ResultType
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership
from tandem.templates_library import library
from tandem.templates_library import services as template_services
from tandem.templates_library.models import SavedTemplate, TemplateKind
from tandem.templates_library.services import ORG_PREFIX


def okr_spec(*, by: Membership, template: str, language: str | None = None) -> dict[str, Any]:
    """An OKR template as plain values in one language: title, description, kind and key results."""
    language = template_services.language_of(language, by)
    if template.startswith(ORG_PREFIX):
        return dict(template_services.saved(by, template, TemplateKind.OKR).data)
    try:
        found = library.okr_template(template)
    except KeyError:
        raise ValidationError("template", _("No such template.")) from None
    return {
        "title": found.text("objective", language),
        "description": found.text("description", language),
        "kind": found.kind,
        "key_results": [
            {
                "title": kr.text("title", language),
                "type": kr.type,
                "start": str(kr.start),
                "target": str(kr.target),
                "unit": kr.text("unit", language),
                "kpi": kr.kpi,
                "milestones": [library.localized(m, language) for m in kr.milestones],
            }
            for kr in found.key_results
        ],
    }


def objective_from_template(
    *,
    by: Membership,
    template: str,
    cycle: Cycle,
    owner: object = None,
    team: object = None,
    parent: object = None,
    language: str | None = None,
) -> Objective:
    """A new objective with the template's key results, all at once. A key result the template links to a KPI
    is driven by the organization's KPI with that key, when there is one the author may see."""
    spec = okr_spec(by=by, template=template, language=language)
    keys = {kr["kpi"] for kr in spec["key_results"] if kr.get("kpi")}
    from tandem.kpis import selectors as kpi_selectors

    kpis = {k.key: k.pk for k in kpi_selectors.kpis(membership=by).filter(key__in=keys)} if keys else {}
    with transaction.atomic():
        objective = services.objective_create(
            by=by,
            cycle=cycle,
            title=spec["title"],
            description=spec.get("description", ""),
            owner=owner,
            team=team,
            kind=spec.get("kind", "committed"),
            parent=parent,
        )
        for kr in spec["key_results"]:
            milestones = kr.get("milestones") or None
            services.key_result_create(
                by=by,
                objective=objective,
                title=kr["title"],
                type=kr["type"],
                start_value=kr.get("start", 0),
                target_value=kr.get("target"),
                unit=kr.get("unit", ""),
                kpi=kpis.get(kr.get("kpi") or ""),
                milestones=milestones if kr["type"] == ResultType.MILESTONES else None,
            )
    return objective


def template_save_objective(*, by: Membership, objective: Objective, name: str = "") -> SavedTemplate:
    """Save an objective and its key results as one of the organization's templates (managers and admins)."""
    orgs_access.require_writer(by)
    kpi_access.require_kpi_author(by)
    results = list(
        KeyResult.objects.for_org(by.organization)
        .filter(objective=objective)
        .select_related("kpi")
        .prefetch_related("milestones")
    )
    data = {
        "title": objective.title,
        "description": objective.description,
        "kind": objective.kind,
        "key_results": [
            {
                "title": kr.title,
                "type": kr.type,
                "start": str(kr.start_value),
                "target": str(kr.target_value),
                "unit": kr.unit,
                "kpi": kr.kpi.key if kr.kpi else None,
                "milestones": [m.title for m in kr.milestones.all()],
            }
            for kr in results
        ],
    }
    return template_services.template_save(by, TemplateKind.OKR, (name or objective.title).strip(), data)
