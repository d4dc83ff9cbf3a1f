"""``/api/v1/cycles``, ``/objectives``, ``/key-results`` and their check-ins, scores and comments."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.core.errors import ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.kpis import selectors as kpi_selectors
from tandem.okrs import check_ins, schemas, selectors, services, templating
from tandem.okrs.models import CycleState, Level
from tandem.orgs.models import Membership
from tandem.templates_library import services as template_services
from tandem.templates_library.models import TemplateKind

router = Router(tags=["okrs"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


@router.get("/cycles", response=list[schemas.CycleOut])
@paginate(Pagination)
def cycle_list(request: HttpRequest, state: CycleState | None = None) -> Any:
    return selectors.cycles(membership=_me(request), state=state)


@router.post("/cycles", response={201: schemas.CycleOut})
def cycle_create(request: HttpRequest, payload: schemas.CycleIn) -> Any:
    return Status(201, services.cycle_create(by=_me(request), **payload.dict()))


@router.get("/cycles/{cycle_id}", response=schemas.CycleOut)
def cycle_read(request: HttpRequest, cycle_id: Id) -> Any:
    return selectors.cycle_get(membership=_me(request), cycle_id=cycle_id)


@router.patch("/cycles/{cycle_id}", response=schemas.CycleOut)
def cycle_update(request: HttpRequest, cycle_id: Id, payload: schemas.CyclePatch) -> Any:
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=cycle_id)
    return services.cycle_update(by=_me(request), cycle=cycle, **payload.dict(exclude_unset=True))


@router.post("/cycles/{cycle_id}/state", response=schemas.CycleOut)
def cycle_advance(request: HttpRequest, cycle_id: Id, payload: schemas.CycleStateIn) -> Any:
    """Move the cycle one step on; closing it scores every objective."""
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=cycle_id)
    return services.cycle_advance(by=_me(request), cycle=cycle, state=payload.state)


@router.get("/cycles/{cycle_id}/alignment", response=dict[str, Any])
def cycle_alignment(request: HttpRequest, cycle_id: Id, root: Id | None = None) -> Any:
    """The alignment tree of the cycle, three levels from its top or from ``root``: nested ``children``; a node
    with ``more`` > 0 has that many objectives under it, fetched with ``?root=<its id>``; a private objective
    you may not see is a node named "Private objective" with ``id`` and ``progress`` null."""
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=cycle_id)
    start = selectors.objectives(membership=_me(request), cycle_id=cycle.pk).filter(pk=root).first() if root else None
    if root and start is None:
        raise ValidationError("root", _("No such objective in this cycle."))
    return selectors.alignment_map(membership=_me(request), cycle=cycle, root=start)


@router.get("/objectives", response=list[schemas.ObjectiveOut])
@paginate(Pagination)
def objective_list(
    request: HttpRequest,
    cycle: Id | None = None,
    team: Id | None = None,
    owner: Id | None = None,
    level: Level | None = None,
    parent: Id | None = None,
    at_risk: bool = False,
    q: str | None = Query(None, max_length=100),
) -> Any:
    return selectors.objectives(
        membership=_me(request),
        cycle_id=cycle,
        team_id=team,
        owner_id=owner,
        level=level,
        parent_id=parent,
        at_risk=at_risk,
        search=q,
    )


@router.post("/objectives", response={201: schemas.ObjectiveOut})
def objective_create(request: HttpRequest, payload: schemas.ObjectiveIn) -> Any:
    data = payload.dict(exclude_unset=True)
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=data.pop("cycle"))
    created = services.objective_create(by=_me(request), cycle=cycle, **data)
    return Status(201, selectors.objective_get(membership=_me(request), objective_id=created.pk))


@router.post("/objectives/from-template", response={201: schemas.ObjectiveOut})
def objective_from_template(request: HttpRequest, payload: schemas.FromTemplateIn) -> Any:
    """A new objective with the template's key results, in one step."""
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=payload.cycle)
    data = payload.dict(exclude_unset=True)
    data.pop("cycle")
    created = templating.objective_from_template(by=_me(request), cycle=cycle, **data)
    return Status(201, selectors.objective_get(membership=_me(request), objective_id=created.pk))


@router.get("/objectives/{objective_id}", response=schemas.ObjectiveOut)
def objective_read(request: HttpRequest, objective_id: Id) -> Any:
    return selectors.objective_get(membership=_me(request), objective_id=objective_id)


@router.patch("/objectives/{objective_id}", response=schemas.ObjectiveOut)
def objective_update(request: HttpRequest, objective_id: Id, payload: schemas.ObjectiveFields) -> Any:
    objective = selectors.objective_get(membership=_me(request), objective_id=objective_id)
    services.objective_update(by=_me(request), objective=objective, **payload.dict(exclude_unset=True))
    return selectors.objective_get(membership=_me(request), objective_id=objective_id)


@router.delete("/objectives/{objective_id}", response={204: None})
def objective_delete(request: HttpRequest, objective_id: Id) -> Any:
    objective = selectors.objective_get(membership=_me(request), objective_id=objective_id)
    services.objective_delete(by=_me(request), objective=objective)
    return Status(204, None)


@router.post("/objectives/{objective_id}/retrospective", response=schemas.ObjectiveOut)
def objective_reflect(request: HttpRequest, objective_id: Id, payload: schemas.ReflectIn) -> Any:
    objective = selectors.objective_get(membership=_me(request), objective_id=objective_id)
    check_ins.objective_reflect(by=_me(request), objective=objective, **payload.dict())
    return selectors.objective_get(membership=_me(request), objective_id=objective_id)


@router.post("/objectives/{objective_id}/carry-over", response={201: schemas.ObjectiveOut})
def objective_carry_over(request: HttpRequest, objective_id: Id, payload: schemas.CarryOverIn) -> Any:
    objective = selectors.objective_get(membership=_me(request), objective_id=objective_id)
    cycle = selectors.cycle_get(membership=_me(request), cycle_id=payload.cycle)
    copy = check_ins.objective_carry_over(by=_me(request), objective=objective, cycle=cycle)
    return Status(201, selectors.objective_get(membership=_me(request), objective_id=copy.pk))


@router.get("/objectives/{objective_id}/comments", response=list[schemas.CommentOut])
@paginate(Pagination)
def comment_list(request: HttpRequest, objective_id: Id) -> Any:
    return selectors.comments(objective=selectors.objective_get(membership=_me(request), objective_id=objective_id))


@router.post("/objectives/{objective_id}/comments", response={201: schemas.CommentOut})
def comment_create(request: HttpRequest, objective_id: Id, payload: schemas.CommentIn) -> Any:
    objective = selectors.objective_get(membership=_me(request), objective_id=objective_id)
    kr = None
    if payload.key_result is not None:
        kr = (
            selectors.key_results(membership=_me(request), objective_id=objective.pk)
            .filter(pk=payload.key_result)
            .first()
        )
        if kr is None:
            raise ValidationError("key_result", _("No such key result on this objective."))
    return Status(201, check_ins.comment_add(by=_me(request), objective=objective, body=payload.body, key_result=kr))


@router.get("/key-results", response=list[schemas.KeyResultOut])
@paginate(Pagination)
def key_result_list(request: HttpRequest, objective: Id | None = None, owner: Id | None = None) -> Any:
    return selectors.key_results(membership=_me(request), objective_id=objective, owner_id=owner)


@router.post("/key-results", response={201: schemas.KeyResultOut})
def key_result_create(request: HttpRequest, payload: schemas.KeyResultIn) -> Any:
    data = payload.dict(exclude_unset=True)
    objective = selectors.objective_get(membership=_me(request), objective_id=data.pop("objective"))
    created = services.key_result_create(by=_me(request), objective=objective, **data)
    return Status(201, selectors.key_result_get(membership=_me(request), key_result_id=created.pk))


@router.get("/key-results/{key_result_id}", response=schemas.KeyResultOut)
def key_result_read(request: HttpRequest, key_result_id: Id) -> Any:
    return selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)


@router.patch("/key-results/{key_result_id}", response=schemas.KeyResultOut)
def key_result_update(request: HttpRequest, key_result_id: Id, payload: schemas.KeyResultFields) -> Any:
    kr = selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)
    services.key_result_update(by=_me(request), key_result=kr, **payload.dict(exclude_unset=True))
    return selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)


@router.delete("/key-results/{key_result_id}", response={204: None})
def key_result_delete(request: HttpRequest, key_result_id: Id) -> Any:
    kr = selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)
    services.key_result_delete(by=_me(request), key_result=kr)
    return Status(204, None)


@router.get("/key-results/{key_result_id}/check-ins", response=list[schemas.CheckInOut])
@paginate(Pagination)
def check_in_list(request: HttpRequest, key_result_id: Id) -> Any:
    return selectors.check_ins(membership=_me(request), key_result_id=key_result_id)


@router.post("/key-results/{key_result_id}/check-ins", response={201: schemas.CheckInOut})
def check_in_create(request: HttpRequest, key_result_id: Id, payload: schemas.CheckInIn) -> Any:
    """A new value with a confidence and a note; the objective and its ancestors roll up at once."""
    kr = selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)
    created = check_ins.key_result_check_in(
        by=_me(request), key_result=kr, value=payload.value, confidence=payload.confidence or "", note=payload.note
    )
    return Status(201, created)


@router.post("/key-results/{key_result_id}/score", response=schemas.KeyResultOut)
def key_result_score(request: HttpRequest, key_result_id: Id, payload: schemas.ScoreIn) -> Any:
    kr = selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)
    check_ins.key_result_score(by=_me(request), key_result=kr, score=payload.score, reason=payload.reason)
    return selectors.key_result_get(membership=_me(request), key_result_id=key_result_id)


@router.patch("/milestones/{milestone_id}", response=schemas.KeyResultOut)
def milestone_update(request: HttpRequest, milestone_id: Id, payload: schemas.MilestoneIn) -> Any:
    milestone = selectors.milestone_get(membership=_me(request), milestone_id=milestone_id)
    check_ins.milestone_set(by=_me(request), milestone=milestone, done=payload.done)
    return selectors.key_result_get(membership=_me(request), key_result_id=milestone.key_result_id)


@router.get("/templates", response=schemas.TemplateList)
def template_list(
    request: HttpRequest,
    kind: TemplateKind = TemplateKind.OKR,
    function: str | None = Query(None, max_length=30),
    language: str | None = Query(None, max_length=8),
) -> Any:
    """The organization's own templates, then the built-in library (sales, marketing, customer_service,
    operations, finance, hr, product, engineering), in your language or the one asked for."""
    found = template_services.templates(membership=_me(request), kind=kind, function=function, language=language)
    return {"items": found, "count": len(found)}


@router.post("/templates", response={201: schemas.TemplateOut})
def template_save(request: HttpRequest, payload: schemas.TemplateSaveIn) -> Any:
    """Save one of your objectives (with its key results) or KPIs as a template of the organization."""
    if (payload.objective is None) == (payload.kpi is None):
        raise ValidationError("objective", _("Give the objective or the KPI to save, one of them."))
    if payload.objective is not None:
        objective = selectors.objective_get(membership=_me(request), objective_id=payload.objective)
        saved = templating.template_save_objective(by=_me(request), objective=objective, name=payload.name)
    else:
        kpi = kpi_selectors.kpi_get(membership=_me(request), kpi_id=payload.kpi or 0)
        saved = template_services.template_save_kpi(by=_me(request), kpi=kpi, name=payload.name)
    found = template_services.templates(membership=_me(request), kind=saved.kind)
    return Status(201, next(t for t in found if t["id"] == f"{template_services.ORG_PREFIX}{saved.pk}"))


@router.delete("/templates/{template_id}", response={204: None})
def template_delete(request: HttpRequest, template_id: Id) -> Any:
    template_services.template_delete(
        by=_me(request), template=template_services.saved_template_get(membership=_me(request), template_id=template_id)
    )
    return Status(204, None)
