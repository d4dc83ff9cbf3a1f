"""``/api/v1/actions``: actions on KPIs and key results, with the same rules as the pages."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.actions import schemas, selectors, services
from tandem.actions.models import ActionStatus
from tandem.core.errors import NotFound, ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.kpis import selectors as kpi_selectors
from tandem.okrs import selectors as okr_selectors
from tandem.orgs.models import Membership

router = Router(tags=["actions"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


@router.get("/actions", response=list[schemas.ActionOut])
@paginate(Pagination)
def action_list(
    request: HttpRequest,
    kpi: Id | None = None,
    key_result: Id | None = None,
    objective: Id | None = None,
    owner: Id | None = None,
    status: ActionStatus | None = None,
    team: Id | None = None,
    overdue: bool = False,
    mine: bool = False,
) -> Any:
    """Open actions first, then by due date (overdue first). ``mine``: yours; ``team``: owned by its members;
    ``overdue``: open and due before today."""
    me = _me(request)
    return selectors.actions(
        membership=me,
        kpi_id=kpi,
        key_result_id=key_result,
        objective_id=objective,
        owner_id=me.pk if mine else owner,
        status=status,
        team_ids=[team] if team else None,
        overdue=overdue,
    )


@router.post("/actions", response={201: schemas.ActionOut})
def action_create(request: HttpRequest, payload: schemas.ActionIn) -> Any:
    """A new action on a KPI or a key result (one of them); its owner, when someone else, is told."""
    me = _me(request)
    data = payload.dict(exclude_unset=True)
    kpi_id, key_result_id = data.pop("kpi", None), data.pop("key_result", None)
    if (kpi_id is None) == (key_result_id is None):
        raise ValidationError("kpi", _("An action belongs to a KPI or to a key result: give one of them."))
    parent: dict[str, Any] = {}
    try:
        if kpi_id is not None:
            parent["kpi"] = kpi_selectors.kpi_get(membership=me, kpi_id=kpi_id)
        else:
            parent["key_result"] = okr_selectors.key_result_get(membership=me, key_result_id=key_result_id)
    except NotFound:
        field = "kpi" if kpi_id is not None else "key_result"
        raise ValidationError(field, _("No such KPI or key result that you can see.")) from None
    data = {key: value for key, value in data.items() if value is not None}
    created = services.action_create(by=me, **parent, **data)
    return Status(201, selectors.action_get(membership=me, action_id=created.pk))


@router.get("/actions/{action_id}", response=schemas.ActionOut)
def action_get(request: HttpRequest, action_id: Id) -> Any:
    return selectors.action_get(membership=_me(request), action_id=action_id)


@router.patch("/actions/{action_id}", response=schemas.ActionOut)
def action_update(request: HttpRequest, action_id: Id, payload: schemas.ActionFields) -> Any:
    """Change any field, the status included (todo, doing, done, dropped)."""
    me = _me(request)
    action = selectors.action_get(membership=me, action_id=action_id)
    services.action_update(by=me, action=action, **payload.dict(exclude_unset=True))
    return selectors.action_get(membership=me, action_id=action_id)


@router.delete("/actions/{action_id}", response={204: None})
def action_delete(request: HttpRequest, action_id: Id) -> Any:
    """Delete an open or dropped action; done actions stay in the history (409)."""
    me = _me(request)
    services.action_delete(by=me, action=selectors.action_get(membership=me, action_id=action_id))
    return Status(204, None)
