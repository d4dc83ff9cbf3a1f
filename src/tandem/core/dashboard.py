"""The home dashboard: what needs attention this morning, for a person, their team, a chosen team or the company.

"Sustain" lists the KPIs in scope, the ones that need attention first (red, amber, watermelons, no data),
"Change" the current cycle's objectives in scope, the ones at risk first; both are capped, and a strip of
counts covers everything in scope. KPIs and objectives come only from the KPI and OKR
selectors, so a private metric the person may not see is neither shown nor counted. Counts are SQL
aggregates and one batch judgement of every KPI's current status: the number of queries does not grow with
the organization.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import NotFound
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.current_status import statuses_kept
from tandem.kpis.models import Kpi, KpiState
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Cycle, CycleState, KeyResult, Level, Objective
from tandem.orgs.models import Membership, Role, Team

SCOPES = ("me", "team", "company")
KPI_LIMIT = 20
OBJECTIVE_LIMIT = 20
REQUEST_LIMIT = 5
# A key result not checked in for longer than this is due (the weekly rhythm of check-ins).
STALE_AFTER = datetime.timedelta(days=7)
# The order KPIs are shown in: what needs attention first.
ATTENTION = {"red": 0, "amber": 1, "watermelon": 2, "no_data": 3, "green": 4}
LEVEL_ORDER = Case(
    When(level=Level.COMPANY, then=Value(0)),
    When(level=Level.TEAM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class TeamChoice(NamedTuple):
    """A team as the scope switch offers it, indented by its depth in the tree (a tuple: a company has a
    thousand, built on every visit of the home page)."""

    pk: int
    name: str
    depth: int


@dataclass(frozen=True)
class Scope:
    """What the dashboard covers: ``me``, ``team`` (``team`` set for a chosen team, else the person's own
    teams) or ``company``; ``team_ids`` are the teams covered with their sub-teams (None: no team filter)."""

    name: str
    team: TeamChoice | None
    team_ids: frozenset[int] | None
    root_team_ids: tuple[int, ...]


def default_scope(membership: Membership) -> str:
    """Members start with their own work, managers with their teams, admins and viewers with the company."""
    if membership.role == Role.MEMBER:
        return "me"
    if membership.role == Role.MANAGER:
        return "team"
    return "company"


def _team_rows(membership: Membership) -> list[tuple[int, int | None, int | None, str]]:
    """Every team of the organization as plain rows (id, parent, manager, name), read once."""
    return list(
        Team.objects.for_org(membership.organization)
        .order_by("name", "id")
        .values_list("pk", "parent_id", "manager_id", "name")
    )


def _below(rows: list[tuple[int, int | None, int | None, str]], roots: set[int]) -> frozenset[int]:
    """The given teams and every team under them."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _manager, _name in rows:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return frozenset(found)


def _choices(rows: list[tuple[int, int | None, int | None, str]]) -> list[TeamChoice]:
    """The teams depth-first, children by name under their parent, for the scope switch's select."""
    known = {pk for pk, _parent, _manager, _name in rows}
    children: dict[int | None, list[tuple[int, str]]] = {}
    for pk, parent_id, _manager, name in rows:
        children.setdefault(parent_id if parent_id in known else None, []).append((pk, name))
    out: list[TeamChoice] = []
    # Depth-first without recursion: a company's tree is a thousand teams.
    stack = [(pk, name, 0) for pk, name in reversed(children.get(None, []))]
    while stack:
        pk, name, depth = stack.pop()
        out.append(TeamChoice(pk=pk, name=name, depth=depth))
        stack.extend((child, child_name, depth + 1) for child, child_name in reversed(children.get(pk, [])))
    return out


def scope_resolve(
    *,
    membership: Membership,
    scope: str | None,
    team_id: int | None,
    rows: list[tuple[int, int | None, int | None, str]],
) -> Scope:
    """The scope asked for (a team id alone means that team), else the person's default. "My team" is the
    teams they manage with everything under them, else the teams they belong to with theirs. A team of
    another organization is not found."""
    name = scope if scope in SCOPES else (default_scope(membership) if team_id is None else "team")
    if name == "me":
        return Scope(name="me", team=None, team_ids=None, root_team_ids=())
    if name == "company":
        return Scope(name="company", team=None, team_ids=None, root_team_ids=())
    if team_id is not None:
        chosen = next((row for row in rows if row[0] == team_id), None)
        if chosen is None:
            raise NotFound()
        team = TeamChoice(pk=chosen[0], name=chosen[3], depth=0)
        return Scope(name="team", team=team, team_ids=_below(rows, {team_id}), root_team_ids=(team_id,))
    roots = {pk for pk, _parent, manager_id, _name in rows if manager_id == membership.pk}
    if not roots:
        roots = set(membership.teams.values_list("pk", flat=True))
    # Only the top ones: a managed team under another managed team is already covered.
    covered = _below(rows, roots)
    parents = {pk: parent_id for pk, parent_id, _manager, _name in rows}
    tops = tuple(sorted(pk for pk in roots if parents.get(pk) not in covered))
    return Scope(name="team", team=None, team_ids=covered, root_team_ids=tops)


def _members(team_ids: frozenset[int]) -> QuerySet[Any, Any]:
    """The people in these teams (of the person's organization, read from its own team rows), as a subquery:
    a company's teams hold thousands. Read from the team side: from the people's side, SQLite would probe
    every listed team for each person of the organization."""
    return Team.members.through.objects.filter(team_id__in=team_ids).values("membership_id")


def scoped_kpis(*, visible: QuerySet[Kpi], membership: Membership, scope: Scope) -> QuerySet[Kpi]:
    """The active KPIs in scope among those the person may see (``visible``, from the KPI selector): their own,
    their teams' (or their teams' people's), or every one."""
    found = visible.filter(state=KpiState.ACTIVE)
    if scope.name == "me":
        return found.filter(owner=membership)
    if scope.team_ids is not None:
        return found.filter(Q(team_id__in=scope.team_ids) | Q(owner_id__in=_members(scope.team_ids)))
    return found


def scoped_objectives(
    *, visible: QuerySet[Objective], membership: Membership, scope: Scope, cycle_id: int | None = None
) -> QuerySet[Objective]:
    """The objectives in scope among those the person may see (``visible``, from the OKR selector): theirs or
    with a key result of theirs, their teams' or their teams' people's, or every one; of one cycle when given."""
    found = visible.filter(cycle_id=cycle_id) if cycle_id else visible
    if scope.name == "me":
        # One list of ids rather than two conditions joined by OR, which would read every objective.
        organization = membership.organization
        owned = Objective.objects.for_org(organization).filter(owner=membership).order_by().values("pk")
        measured = KeyResult.objects.for_org(organization).filter(owner=membership).order_by().values("objective_id")
        return found.filter(pk__in=owned.union(measured))
    if scope.team_ids is not None:
        return found.filter(Q(team_id__in=scope.team_ids) | Q(owner_id__in=_members(scope.team_ids)))
    return found


def _stale(now: datetime.datetime) -> Q:
    """A key result due a check-in: none for a week, or none yet. KPI-driven ones check themselves in."""
    return Q(kpi__isnull=True) & (Q(last_check_in_at__isnull=True) | Q(last_check_in_at__lt=now - STALE_AFTER))


def check_ins_due(
    *, visible: QuerySet[Objective], membership: Membership, scope: Scope, now: datetime.datetime
) -> QuerySet[KeyResult]:
    """Key results of the active cycles in scope that are due a check-in: one's own for ``me``; those of the
    objectives in scope or owned by the teams' people for a team; every visible one for the company."""
    active = visible.filter(cycle__state=CycleState.ACTIVE)
    # The few key results due, found through their last check-in, each then looked up among the objectives
    # (as a list of the objectives to look each one up in, SQLite would read a cycle's thousands first).
    found = KeyResult.objects.for_org(membership.organization).filter(_stale(now))

    def among(objectives: QuerySet[Objective]) -> Exists:
        return Exists(objectives.filter(pk=OuterRef("objective_id")))

    if scope.name == "me":
        return found.filter(among(active), owner=membership)
    in_scope = among(scoped_objectives(visible=active, membership=membership, scope=scope))
    if scope.team_ids is not None:
        return found.filter(in_scope | Q(among(active), owner_id__in=_members(scope.team_ids)))
    return found.filter(in_scope)


def _list_url(name: str, **params: object) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _filters(scope: Scope) -> dict[str, object]:
    """The KPI list's and the OKR tree's filters closest to the scope (they filter one team, not its sub-teams)."""
    if scope.name == "me":
        return {"mine": 1}
    if scope.name == "team" and len(scope.root_team_ids) == 1:
        return {"team": scope.root_team_ids[0]}
    return {}


def _kpi_section(
    *, membership: Membership, scope: Scope, managed: frozenset[int], today: datetime.date
) -> tuple[dict[str, int], int, list[dict[str, Any]]]:
    """Counts of the KPIs in scope by status, the number of watermelons, and the rows of the first
    ``KPI_LIMIT`` in order of attention."""
    # Built once: the KPI selector reads the team tree each time it is called.
    visible = kpi_selectors.kpis(membership=membership)
    found = scoped_kpis(visible=visible, membership=membership, scope=scope)
    statuses = statuses_kept(organization=membership.organization, kpis=found, today=today)
    counts = {"red": 0, "amber": 0, "green": 0, "no_data": 0} | dict(Counter(statuses.values()))
    counts["total"] = len(statuses)
    # Watermelons: green KPIs with a red guardrail, among the guardrails the person may see.
    links = list(
        Kpi.guardrails.through.objects.filter(from_kpi_id__in=found.values("pk")).values_list(
            "from_kpi_id", "to_kpi_id"
        )
    )
    links = [(a, b) for a, b in links if statuses.get(a) == "green"]
    outside = {b for _a, b in links if b not in statuses}
    guards = dict(statuses)
    guards |= statuses_kept(
        organization=membership.organization,
        kpis=visible.filter(pk__in=outside),
        today=today,
    )
    red_guards: dict[int, set[int]] = {}
    for a, b in links:
        if guards.get(b) == "red":
            red_guards.setdefault(a, set()).add(b)
    order = sorted(
        statuses,
        key=lambda pk: ATTENTION["watermelon" if pk in red_guards else statuses[pk]],
    )  # stable: by name within each group, as the statuses came
    chosen = order[:KPI_LIMIT]
    # Read by id alone: they come from ``found``, and the visibility rule costs more to build than to run.
    shown = {
        k.pk: k
        for k in Kpi.objects.for_org(membership.organization)
        .filter(pk__in=chosen)
        .select_related("organization", "owner__user", "team")
        .prefetch_related(*kpi_selectors.RULES)
    }
    rows = kpi_selectors.kpi_rows(
        membership=membership, kpis_page=[shown[pk] for pk in chosen if pk in shown], today=today, watermelons=False
    )
    named = {b for pk in chosen for b in red_guards.get(pk, ())}
    names = dict(visible.filter(pk__in=named).values_list("pk", "name")) if named else {}
    for row in rows:
        kpi = row["kpi"]
        # Only guardrails the person may see are named (a private one stays private).
        row["watermelon"] = sorted(names[b] for b in red_guards.get(kpi.pk, ()) if b in names)
        row["url"] = reverse("kpi_detail", args=[kpi.pk])
        row["record_url"] = reverse("kpi_record", args=[kpi.pk])
        row["spark_text"] = ",".join("null" if v is None else f"{Decimal(v).normalize():f}" for v in row["spark"])
        latest = max(kpi.versions.all(), key=lambda v: v.number)
        row["can_record"] = (
            membership.can_write
            and not latest.formula
            and (kpi.owner_id == membership.pk or membership.is_admin or kpi.team_id in managed)
        )
    return counts, len(red_guards), rows


def _objective_section(
    *, visible: QuerySet[Objective], membership: Membership, scope: Scope, cycle: Cycle | None, now: datetime.datetime
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The number of objectives of the cycle in scope and of those at risk, and the rows of the first
    ``OBJECTIVE_LIMIT``: at risk first, company before teams before people."""
    if cycle is None:
        return {"total": 0, "at_risk": 0}, []
    found = scoped_objectives(visible=visible, membership=membership, scope=scope, cycle_id=cycle.pk)
    # Each objective keeps whether a key result of its is at risk: counted and ordered without reading them.
    counts = found.aggregate(total=Count("pk"), at_risk=Count("pk", filter=Q(at_risk=True)))
    ids = list(
        found.alias(rank=LEVEL_ORDER)
        .order_by("-at_risk", "rank", "title", "id")
        .values_list("pk", flat=True)[:OBJECTIVE_LIMIT]
    )
    rows = {
        row["objective"].pk: row
        for row in okr_selectors.tree_rows(
            membership=membership,
            # By id alone, as the KPIs' rows: they come from the visible objectives in scope.
            found=Objective.objects.for_org(membership.organization)
            .filter(pk__in=ids)
            .select_related("cycle", "owner__user", "team", "team__manager__user"),
            limit=OBJECTIVE_LIMIT,
        )
    }
    ordered = [rows[pk] for pk in ids if pk in rows]
    for row in ordered:
        row["at_risk"] = row["objective"].at_risk
        for kr in row["key_results"]:
            last = kr.last_check_in_at
            kr.days_since = (now - last).days if last else None
            kr.stale = kr.kpi_id is None and (last is None or now - last > STALE_AFTER)
            kr.follows_kpi = kr.kpi_id is not None
    return counts, ordered


def dashboard(
    *, membership: Membership, scope: str | None, team_id: int | None, today: datetime.date
) -> dict[str, Any]:
    """Everything the home page and ``GET /api/v1/dashboard`` show for the person in the chosen scope."""
    rows = _team_rows(membership)
    chosen = scope_resolve(membership=membership, scope=scope, team_id=team_id, rows=rows)
    now = timezone.now()
    cycle = okr_selectors.current_cycle(membership=membership, today=today)
    # The same teams as ``managed_team_ids``, from the rows already read.
    managed = _below(rows, {pk for pk, _parent, manager_id, _name in rows if manager_id == membership.pk})
    kpi_counts, watermelons, kpi_rows = _kpi_section(membership=membership, scope=chosen, managed=managed, today=today)
    # Built once: the OKR selector reads the team tree each time it is called.
    objectives = okr_selectors.objectives(membership=membership)
    objective_counts, objective_rows = _objective_section(
        visible=objectives, membership=membership, scope=chosen, cycle=cycle, now=now
    )
    waiting = kpi_selectors.change_requests(membership=membership, waiting_for_me=True)
    if not membership.is_admin and not managed:
        # Change requests are decided by administrators and the KPI's team's managers: none waits for them.
        waiting = waiting.none()
    filters = _filters(chosen)
    kpi_filters = filters | {"state": KpiState.ACTIVE}
    okr_filters = ({"cycle": cycle.pk} if cycle else {}) | filters
    team_names = {pk: name for pk, _parent, _manager, name in rows}
    return {
        "scope": chosen,
        "today": today,
        "teams": _choices(rows),
        "scope_teams": [team_names[pk] for pk in chosen.root_team_ids],
        "cycle": cycle,
        "check_ins_open": cycle is not None and cycle.state == CycleState.ACTIVE,
        "counts": {
            "kpis": kpi_counts,
            "watermelons": watermelons,
            "objectives": objective_counts["total"],
            "objectives_at_risk": objective_counts["at_risk"],
            "check_ins_due": check_ins_due(visible=objectives, membership=membership, scope=chosen, now=now).count(),
            "change_requests_waiting": waiting.count(),
        },
        "kpis": kpi_rows,
        "any_recordable": any(row["can_record"] for row in kpi_rows),
        "objectives": objective_rows,
        "change_requests": list(waiting[:REQUEST_LIMIT]),
        "decides_changes": membership.can_write and membership.role in (Role.ADMIN, Role.MANAGER),
        "links": {
            "kpis": _list_url("kpis", **kpi_filters),
            **{status: _list_url("kpis", **kpi_filters, status=status) for status in ("red", "amber", "green")},
            "no_data": _list_url("kpis", **kpi_filters, status="no_data"),
            "okrs": _list_url("okrs", **okr_filters),
            "at_risk": _list_url("okrs", **okr_filters, at_risk=1),
        },
        "empty_reason": _empty_reason(chosen),
    }


def _empty_reason(scope: Scope) -> str:
    """Why a team scope covers nothing, when it does."""
    if scope.name == "team" and not scope.team_ids:
        return _("You are not in a team yet: choose a team, or ask an administrator to add you to one.")
    return ""
