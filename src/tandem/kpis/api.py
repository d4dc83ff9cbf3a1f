"""``/api/v1/kpis`` and ``/api/v1/data-points``."""

import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from tandem.api_auth import IngestTokenAuth, SessionMembershipAuth
from tandem.core.errors import ValidationError
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.core.periods import Grain, local_today
from tandem.kpis import comments, schemas, selectors, services
from tandem.kpis import points as kpi_points
from tandem.kpis.models import ChangeRequestState, Kpi, KpiState, RiskLevel
from tandem.orgs.models import Membership
from tandem.templates_library import services as template_services

router = Router(tags=["kpis"])


def _me(request: HttpRequest) -> Membership:
    return request.auth  # type: ignore[attr-defined]


# Where a path names a KPI, its id or its key: keys start with a letter, so the two never collide.
KpiRef = Annotated[
    str,
    Path(..., max_length=60, description="The KPI's id (42) or key (net_revenue)", examples=["net_revenue"]),
]


def _kpi(request: HttpRequest, ref: str) -> Kpi:
    return selectors.kpi_get_by_ref(membership=_me(request), ref=ref)


@router.get("/kpis", response=list[schemas.KpiOut])
@paginate(Pagination)
def kpi_list(
    request: HttpRequest,
    team: Id | None = None,
    owner: Id | None = None,
    state: KpiState | None = None,
    risk: RiskLevel | None = None,
    q: str | None = Query(None, max_length=100),
):
    return selectors.kpis(
        membership=_me(request), team_id=team, owner_id=owner, state=state, risk_level=risk, search=q
    ).prefetch_related(*selectors.RULES, "guardrails")


@router.post("/kpis", response={201: schemas.KpiOut})
def kpi_create(request: HttpRequest, payload: schemas.KpiIn):
    kpi = services.kpi_create(by=_me(request), **payload.dict(exclude_unset=True))
    return Status(201, selectors.kpi_get(membership=_me(request), kpi_id=kpi.pk))


@router.post("/kpis/from-template", response={201: schemas.KpiOut})
def kpi_from_template(request: HttpRequest, payload: schemas.KpiFromTemplateIn):
    """A new draft KPI from a template of the library or of the organization (managers and admins)."""
    created = template_services.kpi_from_template(by=_me(request), **payload.dict(exclude_unset=True))
    return Status(201, selectors.kpi_get(membership=_me(request), kpi_id=created.pk))


@router.get("/kpis/{kpi_id}", response=schemas.KpiOut)
def kpi_read(request: HttpRequest, kpi_id: KpiRef):
    return _kpi(request, kpi_id)


@router.patch("/kpis/{kpi_id}", response=schemas.KpiOut)
def kpi_update(request: HttpRequest, kpi_id: KpiRef, payload: schemas.KpiPatch):
    kpi = _kpi(request, kpi_id)
    services.kpi_update(by=_me(request), kpi=kpi, **payload.dict(exclude_unset=True))
    # Re-read by id: the change may have been to its key.
    return selectors.kpi_get(membership=_me(request), kpi_id=kpi.pk)


@router.delete("/kpis/{kpi_id}", response={204: None})
def kpi_delete(request: HttpRequest, kpi_id: KpiRef):
    services.kpi_delete(by=_me(request), kpi=_kpi(request, kpi_id))
    return Status(204, None)


@router.post("/kpis/{kpi_id}/submit", response=schemas.KpiOut)
def kpi_submit(request: HttpRequest, kpi_id: KpiRef):
    kpi = _kpi(request, kpi_id)
    services.kpi_submit(by=_me(request), kpi=kpi)
    return selectors.kpi_get(membership=_me(request), kpi_id=kpi.pk)


@router.post("/kpis/{kpi_id}/archive", response=schemas.KpiOut)
def kpi_archive(request: HttpRequest, kpi_id: KpiRef):
    kpi = _kpi(request, kpi_id)
    services.kpi_archive(by=_me(request), kpi=kpi)
    return selectors.kpi_get(membership=_me(request), kpi_id=kpi.pk)


@router.get("/kpis/{kpi_id}/comments", response=list[schemas.KpiCommentOut])
@paginate(Pagination)
def kpi_comment_list(request: HttpRequest, kpi_id: KpiRef):
    """The KPI's comments, oldest first."""
    return selectors.kpi_comments(kpi=_kpi(request, kpi_id))


@router.post("/kpis/{kpi_id}/comments", response={201: schemas.KpiCommentOut})
def kpi_comment_create(request: HttpRequest, kpi_id: KpiRef, payload: schemas.KpiCommentIn):
    """A comment; the people it mentions with @handle are told if they may see the KPI, and so is its owner."""
    kpi = _kpi(request, kpi_id)
    return Status(201, comments.kpi_comment_create(by=_me(request), kpi=kpi, body=payload.body))


@router.get("/kpis/{kpi_id}/periods", response=list[schemas.PeriodOut])
def kpi_periods(
    request: HttpRequest,
    kpi_id: KpiRef,
    grain: Grain | None = None,
    count: int = Query(12, ge=1, le=120),
    until: datetime.date | None = None,
):
    """Value, target, status and changes for the last ``count`` periods up to ``until`` (default today)."""
    kpi = _kpi(request, kpi_id)
    frequency = selectors.version_on(kpi, timezone.now().date()).frequency
    chosen = grain or frequency
    if chosen not in selectors.grains_for(frequency):
        raise ValidationError(
            "grain",
            _("This KPI is measured per %(frequency)s; choose %(allowed)s.")
            % {"frequency": frequency, "allowed": ", ".join(selectors.grains_for(frequency))},
        )
    today = until or local_today(kpi.organization.tz)
    return selectors.kpi_periods(kpi=kpi, grain=chosen, count=count, today=today)


@router.post("/data-points", response={201: schemas.PointsOut}, auth=[IngestTokenAuth(), SessionMembershipAuth()])
def data_points_record(request: HttpRequest, payload: schemas.PointsIn):
    """Up to 10,000 points at once, all or nothing; each bad point is listed with its index and field.
    The one operation an ingestion token may call. ``kpi`` is the KPI's id or key."""
    points = payload.model_dump()["points"]
    return Status(201, kpi_points.data_points_record(by=_me(request), points=points, source=payload.source))


@router.get("/data-points", response=list[schemas.DataPointOut])
@paginate(Pagination)
def data_point_list(request: HttpRequest, kpi: Id, since: datetime.date | None = None):
    return selectors.data_points(membership=_me(request), kpi_id=kpi, since=since)


@router.post("/kpis/{kpi_id}/change-requests", response={201: schemas.ChangeRequestOut})
def change_request_create(request: HttpRequest, kpi_id: KpiRef, payload: schemas.ChangeRequestIn):
    kpi = _kpi(request, kpi_id)
    created = services.change_request_create(
        by=_me(request),
        kpi=kpi,
        changes=payload.changes.dict(exclude_unset=True),
        reason=payload.reason,
        effective_from=payload.effective_from,
    )
    return Status(201, created)


@router.get("/change-requests", response=list[schemas.ChangeRequestOut])
@paginate(Pagination)
def change_request_list(
    request: HttpRequest, kpi: Id | None = None, state: ChangeRequestState | None = None, waiting_for_me: bool = False
):
    return selectors.change_requests(membership=_me(request), kpi_id=kpi, state=state, waiting_for_me=waiting_for_me)


@router.get("/change-requests/{request_id}", response=schemas.ChangeRequestOut)
def change_request_read(request: HttpRequest, request_id: Id):
    return selectors.change_request_get(membership=_me(request), request_id=request_id)


@router.post("/change-requests/{request_id}/approve", response=schemas.ChangeRequestOut)
def change_request_approve(request: HttpRequest, request_id: Id, payload: schemas.DecisionIn):
    found = selectors.change_request_get(membership=_me(request), request_id=request_id)
    services.change_request_approve(by=_me(request), request=found, comment=payload.comment)
    return selectors.change_request_get(membership=_me(request), request_id=request_id)


@router.post("/change-requests/{request_id}/reject", response=schemas.ChangeRequestOut)
def change_request_reject(request: HttpRequest, request_id: Id, payload: schemas.DecisionIn):
    found = selectors.change_request_get(membership=_me(request), request_id=request_id)
    services.change_request_reject(by=_me(request), request=found, comment=payload.comment)
    return selectors.change_request_get(membership=_me(request), request_id=request_id)


@router.get("/kpis/{kpi_id}/health", response=schemas.HealthOut)
def kpi_health(request: HttpRequest, kpi_id: KpiRef, until: datetime.date | None = None):
    """The current period's status and each guardrail's, with the watermelon warning when it applies."""
    kpi = _kpi(request, kpi_id)
    today = until or local_today(kpi.organization.tz)
    report = selectors.watermelon(membership=_me(request), kpi=kpi, today=today)
    own = report["kpi"]
    return {
        "period": own["period"],
        "value": own["value"],
        "target": own["target"],
        "status": own["status"],
        "watermelon": report["watermelon"],
        "guardrails": [
            {
                "id": g["kpi"].pk,
                "key": g["kpi"].key,
                "name": g["kpi"].name,
                "period": g["period"],
                "value": g["value"],
                "target": g["target"],
                "status": g["status"],
                "red_line": g["red_line"],
            }
            for g in report["guardrails"]
        ],
    }
