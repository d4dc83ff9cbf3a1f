"""``/api/v1/audit``: the change history of one object; ``/api/v1/dashboard``: the home page's counts and items."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from tandem.core import dashboard as dashboards
from tandem.core import selectors
from tandem.core.ids import Id
from tandem.core.pagination import Pagination
from tandem.core.periods import local_today
from tandem.core.schemas import AuditEventOut, DashboardOut

router = Router(tags=["audit"])


@router.get("/audit", response=list[AuditEventOut])
@paginate(Pagination)
def audit_list(request: HttpRequest, object: str = Query(..., description="TYPE:ID, e.g. person:12")):  # noqa: A002
    object_type, object_id = selectors.parse_object_ref(object)
    return selectors.audit_history(membership=request.auth, object_type=object_type, object_id=object_id)  # type: ignore[attr-defined]


@router.get("/dashboard", response=DashboardOut, tags=["dashboard"])
def dashboard(
    request: HttpRequest,
    scope: Literal["me", "team", "company"] | None = Query(
        None, description="me, team (your teams, or ``team`` with its sub-teams) or company; default by role"
    ),
    team: Id | None = None,
) -> Any:
    """What needs attention: counts of the KPIs in scope by status, objectives at risk, check-ins due and change
    requests waiting for you; the KPIs (red, amber, watermelons first) and the current cycle's objectives (at
    risk first), at most 20 of each. ``team``: a team id, that team with its sub-teams."""
    me = request.auth  # type: ignore[attr-defined]
    board = dashboards.dashboard(membership=me, scope=scope, team_id=team, today=local_today(me.organization.tz))
    return _as_api(board)


def _as_api(board: dict[str, Any]) -> dict[str, Any]:
    chosen: dashboards.Scope = board["scope"]
    cycle = board["cycle"]
    return {
        "scope": chosen.name,
        "team": {"id": chosen.team.pk, "name": chosen.team.name} if chosen.team else None,
        "teams": [
            {"id": pk, "name": name} for pk, name in zip(chosen.root_team_ids, board["scope_teams"], strict=True)
        ],
        "cycle": cycle,
        "counts": board["counts"],
        "kpis": [
            {
                "id": row["kpi"].pk,
                "key": row["kpi"].key,
                "name": row["kpi"].name,
                "unit": row["kpi"].unit,
                "period": row["period"],
                "status": row["status"],
                "value": row["value"],
                "target": row["target"],
                "projected": row["projected"],
                "sparkline": row["spark"],
                "watermelon": row["watermelon"],
                "owner": row["kpi"].owner_id,
                "team": row["kpi"].team_id,
                "can_record": row["can_record"],
                "url": row["url"],
            }
            for row in board["kpis"]
        ],
        "objectives": [
            {
                "id": row["objective"].pk,
                "title": row["objective"].title,
                "level": row["objective"].level,
                "owner": row["objective"].owner_id,
                "team": row["objective"].team_id,
                "progress": row["objective"].progress,
                "confidence": row["confidence"],
                "at_risk": row["at_risk"],
                "url": row["url"],
                "key_results": [
                    {
                        "id": kr.pk,
                        "title": kr.title,
                        "owner": kr.owner_id,
                        "progress": kr.progress,
                        "current_value": kr.current_value,
                        "target_value": kr.target_value,
                        "unit": kr.unit,
                        "confidence": kr.confidence,
                        "last_check_in_at": kr.last_check_in_at,
                        "check_in_due": kr.stale,
                        "follows_kpi": kr.follows_kpi,
                        "can_check_in": board["check_ins_open"] and kr.can_check_in,
                    }
                    for kr in row["key_results"]
                ],
            }
            for row in board["objectives"]
        ],
    }
