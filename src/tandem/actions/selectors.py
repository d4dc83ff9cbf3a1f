"""Every read of actions, scoped to the organization and to what the caller may see.

An action is visible to whoever may see its KPI (``kpis.selectors.kpis``) or its key result's objective
(``okrs.selectors.objectives``): the rule lives in those two selectors and is only referred to here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Case, F, IntegerField, Q, QuerySet, Value, When, prefetch_related_objects
from django.urls import reverse

from tandem.actions.access import can_edit_action
from tandem.actions.models import CLOSED_STATUSES, OPEN_STATUSES, Action, ActionStatus
from tandem.core.errors import NotFound
from tandem.core.periods import local_today
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import KeyResult, Objective
from tandem.orgs.models import Membership

STATUS_CHOICES = ActionStatus.choices
# What a row of a list shows and its permission needs, read along in the same query.
RELATED = ("owner__user", "kpi", "key_result__objective__owner")
# Open first; then by due date, the overdue (earliest) first and the undated last.
ORDER = ("closed_rank", F("due_date").asc(nulls_last=True), "id")


def today_of(membership: Membership) -> datetime.date:
    return local_today(membership.organization.tz)


def _visible(membership: Membership) -> Q:
    """The actions whose KPI or key result the person may see, as a filter."""
    if membership.is_admin:
        return Q()
    return Q(kpi__in=kpi_selectors.kpis(membership=membership).values("pk")) | Q(
        key_result__objective__in=okr_selectors.objectives(membership=membership).values("pk")
    )


def _flagged(found: QuerySet[Action], today: datetime.date) -> QuerySet[Action]:
    """``overdue`` (open and due before today) and the rank that puts open actions first."""
    return found.annotate(
        overdue=Case(
            When(Q(due_date__lt=today, status__in=OPEN_STATUSES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        closed_rank=Case(
            When(status__in=CLOSED_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    )


def actions(
    *,
    membership: Membership,
    kpi_id: int | None = None,
    key_result_id: int | None = None,
    objective_id: int | None = None,
    owner_id: int | None = None,
    status: str | None = None,
    team_ids: Iterable[int] | None = None,
    overdue: bool = False,
    open_only: bool = False,
) -> QuerySet[Action]:
    """Actions the person may see, open ones first and then by due date (overdue first), with their owner,
    KPI or key result read along. ``team_ids``: owned by members of these teams."""
    org = membership.organization
    today = today_of(membership)
    found = Action.objects.for_org(org).filter(_visible(membership)).select_related(*RELATED)
    if kpi_id:
        found = found.filter(kpi_id=kpi_id)
    if key_result_id:
        found = found.filter(key_result_id=key_result_id)
    if objective_id:
        found = found.filter(key_result__objective_id=objective_id)
    if owner_id:
        found = found.filter(owner_id=owner_id)
    if status:
        found = found.filter(status=status)
    if team_ids is not None:
        members = Membership.objects.for_org(org).filter(teams__in=list(team_ids)).values("pk")
        found = found.filter(owner_id__in=members)
    if overdue:
        found = found.filter(due_date__lt=today, status__in=OPEN_STATUSES)
    if open_only:
        found = found.filter(status__in=OPEN_STATUSES)
    return _flagged(found, today).order_by(*ORDER)


def action_get(*, membership: Membership, action_id: int) -> Action:
    found = actions(membership=membership).filter(pk=action_id).first()
    if found is None:
        raise NotFound()
    return found


def actions_on(*, membership: Membership, kpi: Kpi | None = None, objective: Objective | None = None) -> list[Action]:
    """Every action of a KPI, or of an objective's key results, that the caller already sees: one query."""
    found = Action.objects.for_org(membership.organization).select_related(*RELATED)
    if kpi is not None:
        found = found.filter(kpi=kpi)
    elif objective is not None:
        found = found.filter(key_result__objective=objective)
    else:
        return []
    return list(_flagged(found, today_of(membership)).order_by(*ORDER))


def may_see_parent(membership: Membership, *, kpi: Kpi | None = None, key_result: KeyResult | None = None) -> bool:
    """Whether the person may see this KPI or key result, by the rules of their own selectors."""
    if kpi is not None:
        return (
            kpi.organization_id == membership.organization_id
            and kpi_selectors.kpis(membership=membership).filter(pk=kpi.pk).exists()
        )
    if key_result is not None:
        return key_result.organization_id == membership.organization_id and okr_selectors.may_see_objective(
            membership, key_result.objective
        )
    return False


def parent_url(action: Action) -> str:
    """The page of the action's KPI or objective, at the action."""
    if action.kpi_id is not None:
        page = reverse("kpi_detail", args=[action.kpi_id])
    else:
        assert action.key_result is not None
        page = reverse("objective_detail", args=[action.key_result.objective_id])
    return f"{page}#action-{action.pk}"


def action_rows(*, membership: Membership, actions: list[Action]) -> list[dict[str, Any]]:
    """What each row of a list draws, with whether the person may change it: at most two queries (the team
    tree and the teams of the objectives' owners), whatever the number of actions."""
    today = today_of(membership)
    managed: set[int] = set()
    if membership.can_write and not membership.is_admin:
        managed = kpi_selectors.managed_team_ids(membership)
        # Every row has its own copy of the objective's owner: each copy gets the teams.
        owners = [
            a.key_result.objective.owner
            for a in actions
            if a.key_result is not None and a.key_result.objective.owner is not None
        ]
        prefetch_related_objects(owners, "teams")
    return [
        {
            "action": action,
            "can_edit": can_edit_action(membership, action, managed),
            "overdue": action.is_open and action.due_date is not None and action.due_date < today,
            "closed": not action.is_open,
            "parent_title": action.kpi.name if action.kpi is not None else _key_result_title(action.key_result),
            "parent_url": parent_url(action),
            "is_kpi": action.kpi_id is not None,
            "statuses": STATUS_CHOICES,
        }
        for action in actions
    ]


def _key_result_title(key_result: KeyResult | None) -> str:
    return key_result.title if key_result is not None else ""
