"""A manager's weekly digest: their teams' red and amber KPIs, objectives at risk, overdue actions, and the
people whose key results have had no check-in for a week.

A manager's teams are the ones they manage and every team below them (``managed_team_ids``); an
administrator's page covers every team. The weekly task builds the digests of all an organization's
managers from one read of the team tree and one judgement of all their KPIs (the costly part); what each
manager may see of objectives and actions is then asked of the selectors that own those rules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from tandem.kpis.models import Kpi, KpiState
from tandem.kpis.selectors import current_statuses
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import AT_RISK, CycleState, KeyResult
from tandem.orgs.models import Membership, Organization, Team

# A key result whose owner has not checked in for this long is "missing a check-in".
STALE_AFTER = datetime.timedelta(days=7)
SECTIONS = ("red", "amber", "at_risk", "overdue", "missing")


def local_now(organization: Organization, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(organization.tz)


def stale_key_results(*, organization: Organization, now: datetime.datetime) -> QuerySet[KeyResult]:
    """Key results of the running cycles (active, and today between their first and last day) whose active
    owner has not checked in for a week; a new key result counts from its creation. Key results that follow
    a KPI check themselves in when its data arrives, so they are never missing a check-in."""
    today = local_now(organization, now).date()
    return (
        KeyResult.objects.for_org(organization)
        .filter(
            objective__cycle__state=CycleState.ACTIVE,
            objective__cycle__start__lte=today,
            objective__cycle__end__gte=today,
            kpi__isnull=True,
            owner__is_active=True,
            owner__user__is_active=True,
        )
        .alias(checked=Coalesce("last_check_in_at", "created_at"))
        .filter(checked__lt=now - STALE_AFTER)
    )


@dataclass
class _Scope:
    """The teams a digest covers and their active members."""

    teams: set[int]
    names: list[str] = field(default_factory=list)
    members: set[int] = field(default_factory=set)


def _scopes(*, organization: Organization, managers: list[Membership], whole: bool) -> dict[int, _Scope]:
    """Each manager's teams (the same tree walk as ``managed_team_ids``, for every manager from one read)
    and their members; with ``whole``, an administrator's scope is every team."""
    rows = list(Team.objects.for_org(organization).values_list("pk", "parent_id", "manager_id", "name"))
    names = {pk: name for pk, _parent, _manager, name in rows}
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _manager, _name in rows:
        children.setdefault(parent_id, []).append(pk)
    scopes: dict[int, _Scope] = {}
    for manager in managers:
        found: set[int] = set()
        stack = [pk for pk, _parent, manager_id, _name in rows if manager_id == manager.pk]
        if whole and manager.is_admin:
            stack = list(names)
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        scopes[manager.pk] = _Scope(teams=found, names=sorted(names[pk] for pk in found))
    every_team = set().union(*(scope.teams for scope in scopes.values()))
    if every_team:
        links = (
            Membership.objects.for_org(organization)
            .filter(teams__in=every_team, is_active=True)
            .values_list("teams", "pk")
        )
        members_of: dict[int, set[int]] = {}
        for team_id, person_id in links:
            members_of.setdefault(team_id, set()).add(person_id)
        for scope in scopes.values():
            scope.members = set().union(*(members_of.get(team_id, set()) for team_id in scope.teams))
    return scopes


def _members(organization: Organization, teams: set[int]) -> QuerySet[Membership, dict[str, Any]]:
    """The active members of these teams, as a subquery (an organization's people may be too many to list)."""
    return Membership.objects.for_org(organization).filter(teams__in=teams, is_active=True).values("pk")


def _kpi_items(*, organization: Organization, teams: set[int], today: datetime.date) -> list[dict[str, Any]]:
    """The red and amber KPIs of these teams, red first: one judgement of every KPI, whatever their number."""
    if not teams:
        return []
    listed = Kpi.objects.for_org(organization).filter(team_id__in=teams, state=KpiState.ACTIVE)
    statuses = {
        pk: status
        for pk, status in current_statuses(organization=organization, kpis=listed, today=today).items()
        if status in ("red", "amber")
    }
    found = listed.filter(pk__in=list(statuses)).select_related("owner__user", "team").order_by("name", "id")
    items = [
        {
            "kpi_id": kpi.pk,
            "team_id": kpi.team_id,
            "name": kpi.name,
            "url": reverse("kpi_detail", args=[kpi.pk]),
            "status": statuses[kpi.pk],
            "owner": kpi.owner.display_name,
            "team": kpi.team.name if kpi.team else "",
        }
        for kpi in found
    ]
    return sorted(items, key=lambda item: item["status"] != "red")


def _missing_items(*, organization: Organization, teams: set[int], now: datetime.datetime) -> list[dict[str, Any]]:
    """The members of these teams with key results missing a check-in: how many, and their latest check-in."""
    if not teams:
        return []
    rows = (
        stale_key_results(organization=organization, now=now)
        .filter(owner__in=_members(organization, teams))
        .values("owner", "owner__user__full_name", "owner__user__email")
        .annotate(count=Count("pk"), last=Max("last_check_in_at"))
        .order_by("owner__user__full_name", "owner")
    )
    return [
        {
            "person_id": row["owner"],
            "name": row["owner__user__full_name"] or row["owner__user__email"],
            "url": f"{reverse('okrs')}?owner={row['owner']}",
            "count": row["count"],
            "last_check_in": row["last"],
        }
        for row in rows
    ]


def _objective_items(*, manager: Membership, scope: _Scope, today: datetime.date) -> list[dict[str, Any]]:
    """Objectives of the running cycles, owned by the teams or their members, that the manager may see and
    that have a key result at risk or off track."""
    found = (
        okr_selectors.objectives(membership=manager)
        .filter(cycle__state=CycleState.ACTIVE, cycle__start__lte=today, cycle__end__gte=today)
        .filter(Q(team_id__in=scope.teams) | Q(owner__in=_members(manager.organization, scope.teams)))
        .annotate(risky=Count("key_results", filter=Q(key_results__confidence__in=AT_RISK)))
        .filter(risky__gt=0)
        .order_by("title", "id")
    )
    return [
        {
            "objective_id": objective.pk,
            "title": objective.title,
            "url": reverse("objective_detail", args=[objective.pk]),
            "owner": objective.team.name if objective.team else _name(objective.owner),
            "risky": objective.risky,
            "progress": objective.progress,
        }
        for objective in found
    ]


def _name(person: Membership | None) -> str:
    return person.display_name if person is not None else ""


def _action_items(*, manager: Membership, scope: _Scope, today: datetime.date) -> list[dict[str, Any]]:
    """Open actions past their due date, owned by the teams' members, that the manager may see."""
    if not apps.is_installed("tandem.actions") or not scope.teams:
        return []
    from tandem.actions import selectors as action_selectors

    # Overdue as of the digest's day (the selector's own "overdue" is as of the real today).
    found = action_selectors.actions(membership=manager, team_ids=scope.teams, open_only=True).filter(
        due_date__lt=today
    )
    return [
        {
            "action_id": action.pk,
            "title": action.title,
            "url": action_selectors.parent_url(action),
            "owner": action.owner.display_name,
            "due_date": action.due_date,
        }
        for action in found
    ]


def digests(
    *, organization: Organization, managers: list[Membership], now: datetime.datetime, whole: bool = False
) -> dict[int, dict[str, Any]]:
    """Each manager's digest, by membership id: ``teams`` (names), the ``red``, ``amber``, ``at_risk``,
    ``overdue`` and ``missing`` items (each with a name or title and a link), their ``counts`` and ``total``.
    With ``whole``, administrators get the whole organization."""
    today = local_now(organization, now).date()
    scopes = _scopes(organization=organization, managers=managers, whole=whole)
    every_team = set().union(*(scope.teams for scope in scopes.values()))
    kpis = _kpi_items(organization=organization, teams=every_team, today=today)
    missing = _missing_items(organization=organization, teams=every_team, now=now)
    found: dict[int, dict[str, Any]] = {}
    for manager in managers:
        scope = scopes[manager.pk]
        digest: dict[str, Any] = {
            "teams": scope.names,
            "red": [item for item in kpis if item["team_id"] in scope.teams and item["status"] == "red"],
            "amber": [item for item in kpis if item["team_id"] in scope.teams and item["status"] == "amber"],
            "at_risk": _objective_items(manager=manager, scope=scope, today=today) if scope.teams else [],
            "overdue": _action_items(manager=manager, scope=scope, today=today),
            "missing": [item for item in missing if item["person_id"] in scope.members],
        }
        digest["counts"] = {section: len(digest[section]) for section in SECTIONS}
        digest["total"] = sum(digest["counts"].values())
        found[manager.pk] = digest
    return found


def digest_for(*, manager: Membership, now: datetime.datetime) -> dict[str, Any]:
    """The digest page's content for one person: the teams they manage, or every team for an administrator.
    Someone who manages no team gets an empty digest with no ``teams``."""
    return digests(organization=manager.organization, managers=[manager], now=now, whole=True)[manager.pk]


def managers(*, organization: Organization) -> list[Membership]:
    """The active people who manage at least one team: those who get a weekly digest."""
    return list(
        Membership.objects.for_org(organization)
        .filter(is_active=True, user__is_active=True, pk__in=Team.objects.for_org(organization).values("manager_id"))
        .select_related("user", "organization")
        .order_by("pk")
    )
