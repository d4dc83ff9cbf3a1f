"""Every read of cycles, objectives and key results, scoped to the organization and to what the caller may see.

A private objective is visible to its owner, its team's managers up the tree, its owner's manager,
administrators, and the members of the private boards it (or one of its key results) is on. Where the tree
must show that something is there (the alignment map), a private objective the caller may not see appears
as "private objective", with no title or numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.boards import visibility as board_visibility
from tandem.core.errors import NotFound
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import Kpi, Visibility
from tandem.kpis.selectors import managed_team_ids
from tandem.okrs.access import can_edit_key_result, can_edit_objective
from tandem.okrs.models import (
    CheckIn,
    Comment,
    Confidence,
    Cycle,
    CycleState,
    KeyResult,
    Level,
    Milestone,
    Objective,
    ResultType,
)
from tandem.orgs import selectors as org_selectors
from tandem.orgs.models import Membership


def cycles(*, membership: Membership, state: str | None = None) -> QuerySet[Cycle]:
    found = Cycle.objects.for_org(membership.organization)
    if state:
        found = found.filter(state=state)
    return found.order_by("-start", "name", "id")


def cycle_get(*, membership: Membership, cycle_id: int) -> Cycle:
    found = cycles(membership=membership).filter(pk=cycle_id).first()
    if found is None:
        raise NotFound()
    return found


def current_cycle(*, membership: Membership, today: datetime.date) -> Cycle | None:
    """The active cycle that contains today (the shortest if several), else the latest active or planning one."""
    open_cycles = list(cycles(membership=membership).exclude(state=CycleState.CLOSED))
    running = [c for c in open_cycles if c.start <= today <= c.end and c.state == CycleState.ACTIVE]
    if running:
        return min(running, key=lambda c: (c.end - c.start, c.pk))
    return open_cycles[0] if open_cycles else None


def _visible(membership: Membership) -> Q:
    """The objectives the person may see, as a filter."""
    if membership.is_admin:
        return Q()
    return (
        Q(visibility=Visibility.PUBLIC)
        | Q(owner=membership)
        | Q(owner__manager=membership)
        | Q(team_id__in=managed_team_ids(membership))
        | board_visibility.shared_objectives(membership)
    )


def may_see_objective(membership: Membership, objective: Objective) -> bool:
    """The same rule as :func:`objectives`, for one objective already at hand."""
    if objective.visibility == Visibility.PUBLIC or membership.is_admin:
        return True
    if objective.owner_id == membership.pk:
        return True
    if objective.owner_id and objective.owner and objective.owner.manager_id == membership.pk:
        return True
    if objective.team_id is not None and objective.team_id in managed_team_ids(membership):
        return True
    return (
        Objective.objects.for_org(objective.organization_id)
        .filter(board_visibility.shared_objectives(membership), pk=objective.pk)
        .exists()
    )


def objectives(
    *,
    membership: Membership,
    cycle_id: int | None = None,
    team_id: int | None = None,
    owner_id: int | None = None,
    level: str | None = None,
    parent_id: int | None = None,
    at_risk: bool = False,
    search: str | None = None,
) -> QuerySet[Objective]:
    """Objectives the person may see, with their cycle, owner and team read along."""
    found = (
        Objective.objects.for_org(membership.organization)
        .filter(_visible(membership))
        .select_related("cycle", "owner__user", "team", "team__manager__user")
    )
    if cycle_id:
        found = found.filter(cycle_id=cycle_id)
    if team_id:
        found = found.filter(Q(team_id=team_id) | Q(owner__teams=team_id)).distinct()
    if owner_id:
        found = found.filter(Q(owner_id=owner_id) | Q(key_results__owner_id=owner_id)).distinct()
    if level:
        found = found.filter(level=level)
    if parent_id:
        found = found.filter(parent_id=parent_id)
    if at_risk:
        found = found.filter(at_risk=True)
    if search:
        found = found.filter(title__icontains=search)
    return found.order_by("path", "level", "title", "id")


def objective_get(*, membership: Membership, objective_id: int) -> Objective:
    found = objectives(membership=membership).filter(pk=objective_id).first()
    if found is None:
        raise NotFound()
    return found


def key_results(
    *, membership: Membership, objective_id: int | None = None, owner_id: int | None = None
) -> QuerySet[KeyResult]:
    """Key results of the objectives the person may see."""
    found = (
        KeyResult.objects.for_org(membership.organization)
        .filter(objective__in=objectives(membership=membership).values("pk"))
        .select_related("objective__cycle", "objective__owner", "owner__user", "kpi")
        .prefetch_related("milestones")
    )
    if objective_id:
        found = found.filter(objective_id=objective_id)
    if owner_id:
        found = found.filter(owner_id=owner_id)
    return found.order_by("objective_id", "position", "id")


def key_result_get(*, membership: Membership, key_result_id: int) -> KeyResult:
    found = key_results(membership=membership).filter(pk=key_result_id).first()
    if found is None:
        raise NotFound()
    return found


def milestone_get(*, membership: Membership, milestone_id: int) -> Milestone:
    found = (
        Milestone.objects.for_org(membership.organization)
        .filter(pk=milestone_id, key_result__in=key_results(membership=membership).values("pk"))
        .select_related("key_result__objective__cycle", "key_result__owner")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def check_ins(*, membership: Membership, key_result_id: int) -> QuerySet[CheckIn]:
    """A visible key result's check-ins, newest first."""
    key_result = key_result_get(membership=membership, key_result_id=key_result_id)
    return (
        CheckIn.objects.for_org(membership.organization)
        .filter(key_result=key_result)
        .select_related("author__user")
        .order_by("-created_at", "-id")
    )


def objective_timeline(*, objective: Objective, limit: int = 50) -> list[CheckIn]:
    """The latest check-ins of an objective's key results, newest first (the caller may see the objective)."""
    return list(
        CheckIn.objects.for_org(objective.organization_id)
        .filter(key_result__objective=objective)
        .select_related("author__user", "key_result")
        .order_by("-created_at", "-id")[:limit]
    )


def check_in_series(*, objective: Objective) -> dict[int, list[CheckIn]]:
    """Each key result's check-ins, oldest first, for its chart: one query for the whole objective."""
    series: dict[int, list[CheckIn]] = {}
    for check_in in (
        CheckIn.objects.for_org(objective.organization_id)
        .filter(key_result__objective=objective)
        .order_by("created_at", "id")
    ):
        series.setdefault(check_in.key_result_id, []).append(check_in)
    return series


def comments(*, objective: Objective) -> list[Comment]:
    return list(
        Comment.objects.for_org(objective.organization_id)
        .filter(objective=objective)
        .select_related("author__user", "key_result")
        .order_by("created_at", "id")
    )


TREE_PAGE = 100
CONFIDENCE_CLASSES = {"on_track": "bg-green-lt", "at_risk": "bg-yellow-lt", "off_track": "bg-red-lt"}


def bar_colour(progress: Decimal) -> str:
    """The progress bar's colour, as okrs/partials/progress.html draws it: green from 0.7, yellow from 0.4."""
    return "bg-green" if progress >= Decimal("0.7") else "bg-yellow" if progress >= Decimal("0.4") else "bg-red"


def first_levels(*, membership: Membership, cycle: Cycle, limit: int = TREE_PAGE) -> QuerySet[Objective]:
    """What the tree opens with: the objectives at the top of the cycle (or aligned to another cycle's), and
    the objectives aligned right under each of them when all of those fit in ``limit`` rows; the others stay
    folded, to open in place. Two small queries of ids, whatever the size of the tree."""
    base = objectives(membership=membership, cycle_id=cycle.pk)
    roots = list(
        base.filter(Q(depth=0) | ~Q(parent__cycle=cycle))
        .order_by("level", "title", "id")
        .values_list("pk", flat=True)[:limit]
    )
    under: dict[int, list[int]] = {}
    for pk, parent_id in (
        base.filter(parent_id__in=roots).order_by("title", "id").values_list("pk", "parent_id")[: limit * 10]
    ):
        under.setdefault(parent_id, []).append(pk)
    chosen = list(roots)
    for root in roots:
        kids = under.get(root, [])
        if len(chosen) + len(kids) <= limit:
            chosen.extend(kids)
    return base.filter(pk__in=chosen)


def tree_rows(
    *, membership: Membership, found: QuerySet[Objective], depth: int = 0, limit: int = TREE_PAGE
) -> list[dict[str, Any]]:
    """Objectives in tree order (company, then what aligns under each), each with its key results, depth,
    roll-up, worst confidence and last check-in, at most ``limit`` of them: three queries whatever the tree's
    size. An objective whose children are not among them can be unfolded (see ``has_children``)."""
    found = found.order_by("path", "title", "id")
    # Administrators may edit everything: no need for the team tree or the owners' teams to find out.
    rows = list((found if membership.is_admin else found.prefetch_related("owner__teams"))[:limit])
    managed = set() if membership.is_admin else managed_team_ids(membership)
    by_id = {o.pk: o for o in rows}
    results: dict[int, list[KeyResult]] = {}
    for kr in (
        KeyResult.objects.for_org(membership.organization)
        .filter(objective_id__in=list(by_id))
        .select_related("owner__user")
        .order_by("position", "id")
    ):
        results.setdefault(kr.objective_id, []).append(kr)
    # Depth-first: children right after their parent.
    children: dict[int | None, list[Objective]] = {}
    for objective in rows:
        parent = objective.parent_id if objective.parent_id in by_id else None
        children.setdefault(parent, []).append(objective)
    ordered: list[dict[str, Any]] = []
    now = timezone.now()
    level_order = {str(Level.COMPANY): 0, str(Level.TEAM): 1, str(Level.PERSON): 2}

    def visit(parent: int | None, level: int) -> None:
        for objective in sorted(children.get(parent, []), key=lambda o: (level_order.get(o.level, 3), o.title, o.pk)):
            krs = results.get(objective.pk, [])
            editable = can_edit_objective(membership, objective, managed)
            for kr in krs:
                kr.objective = objective
                # What the tree's rows draw, worked out here once rather than by a template include per row.
                kr.can_check_in = kr.type != ResultType.MILESTONES and can_edit_key_result(  # type: ignore[attr-defined]
                    membership, kr, objective_editable=editable
                )
                kr.percent = str(int(kr.progress * 100))  # type: ignore[attr-defined]
                kr.bar = bar_colour(kr.progress)  # type: ignore[attr-defined]
                kr.confidence_class = CONFIDENCE_CLASSES.get(kr.confidence, "")  # type: ignore[attr-defined]
                kr.check_in_url = reverse("key_result_check_in", args=[kr.pk])  # type: ignore[attr-defined]
            confidences = [kr.confidence for kr in krs if kr.confidence]
            worst = next(
                (c for c in (Confidence.OFF_TRACK, Confidence.AT_RISK, Confidence.ON_TRACK) if c in confidences), ""
            )
            last = max((kr.last_check_in_at for kr in krs if kr.last_check_in_at), default=None)
            ordered.append(
                {
                    "objective": objective,
                    "depth": level,
                    "key_results": krs,
                    "confidence": worst,
                    "confidence_class": CONFIDENCE_CLASSES.get(worst, ""),
                    "confidence_label": Confidence(worst).label if worst else "",
                    # Text, not numbers: the template would localize each integer it prints.
                    "percent": str(int(objective.progress * 100)),
                    "indent": str(level),
                    "url": reverse("objective_detail", args=[objective.pk]),
                    "children_url": f"{reverse('objective_children', args=[objective.pk])}?depth={level + 1}",
                    "bar": bar_colour(objective.progress),
                    "last_check_in": last,
                    "stale": last is None or (now - last).days > 7,
                    "aligned_progress": objective.aligned_progress,
                    "has_children": objective.descendants > 0,
                    "expanded": bool(children.get(objective.pk)),
                }
            )
            visit(objective.pk, level + 1)

    visit(None, depth)
    return ordered


MAP_LEVELS = 3
MAP_LIMIT = 1500


def alignment_map(*, membership: Membership, cycle: Cycle, root: Objective | None = None) -> dict[str, Any]:
    """The alignment tree for the ECharts map: three levels from the top of the cycle (or from ``root``), at
    most 1,500 nodes; a node whose children are not drawn says how many objectives are under it (``more``), so
    the map opens there. Every objective is a node, so the shape is true; a private one the caller may not see
    is a node labelled "private objective" with no title or numbers."""
    found = Objective.objects.for_org(membership.organization).filter(cycle=cycle)
    top = root.depth + 1 if root is not None else 0
    if root is not None:
        found = found.filter(path__startswith=f"{root.path}{root.pk}/")
    found = found.filter(depth__gte=top, depth__lt=top + MAP_LEVELS)
    rows = list(
        found.order_by("depth", "title", "id").values_list(
            "pk",
            "parent_id",
            "title",
            "level",
            "progress",
            "owner__user__full_name",
            "team__name",
            "descendants",
            "depth",
        )[:MAP_LIMIT]
    )
    visible = set(objectives(membership=membership).filter(pk__in=[r[0] for r in rows]).values_list("pk", flat=True))
    nodes: dict[int, dict[str, Any]] = {}
    for pk, parent_id, title, level, value, owner_name, team_name, descendants, depth in rows:
        shown = pk in visible
        nodes[pk] = {
            "id": pk if shown else None,
            "name": title if shown else str(_("Private objective")),
            "level": level,
            "progress": float(value) if shown else None,
            "owner": (owner_name or team_name or str(_("Company"))) if shown else "",
            "more": descendants if depth == top + MAP_LEVELS - 1 and shown else 0,
            "children": [],
            "_parent": parent_id,
        }
    roots = []
    for node in nodes.values():
        parent = node.pop("_parent")
        if parent in nodes:
            nodes[parent]["children"].append(node)
        else:
            roots.append(node)
    title = root.title if root is not None and root.pk in visible | {root.pk} else cycle.name
    return {"name": title, "children": roots, "count": len(nodes), "truncated": len(rows) == MAP_LIMIT}


def people_to_choose(*, membership: Membership, near: Objective | None = None) -> list[Membership]:
    """Owners an OKR form offers: the people near the author and, for an objective, its owner and the members
    of its team and of its owner's teams (the API takes anyone)."""
    teams: set[int] = set()
    people: set[int] = set()
    if near is not None and near.team_id:
        teams.add(near.team_id)
    if near is not None and near.owner_id:
        people.add(near.owner_id)
        teams |= set(near.owner.teams.values_list("pk", flat=True)) if near.owner else set()
    return org_selectors.people_near(membership=membership, people=people, teams=teams)


def parents_to_choose(
    *, membership: Membership, cycle: Cycle, objective: Objective | None = None, also: int | None = None
) -> list[Objective]:
    """Objectives an objective may align to, as a form offers them: the top two levels of the cycle and of the
    cycles that enclose it, and the objectives of the author's teams; the current parent and ``also``."""
    teams = org_selectors.own_team_ids(membership)
    wanted = Q(depth__lte=1) | Q(team_id__in=teams) | Q(owner__teams__in=teams)
    if objective is not None and objective.parent_id:
        wanted |= Q(pk=objective.parent_id)
    if also:
        wanted |= Q(pk=also)
    found = (
        objectives(membership=membership)
        .filter(cycle__start__lte=cycle.start, cycle__end__gte=cycle.end)
        .filter(wanted)
        .distinct()
        .order_by("depth", "title", "id")
    )
    if objective is not None:
        found = found.exclude(pk=objective.pk).exclude(path__startswith=f"{objective.path}{objective.pk}/")
    return list(found[: org_selectors.CHOICES_MAX])


def kpis_to_choose(*, membership: Membership, objective: Objective, current: int | None = None) -> list[Kpi]:
    """KPIs a key result of this objective may follow: the author's, their teams', the objective's team's and
    owner's, and the one it follows now."""
    teams = org_selectors.own_team_ids(membership) | ({objective.team_id} if objective.team_id else set())
    wanted = Q(owner=membership) | Q(team_id__in=teams)
    if objective.owner_id:
        wanted |= Q(owner_id=objective.owner_id)
    if current:
        wanted |= Q(pk=current)
    return list(kpi_selectors.kpis(membership=membership).filter(wanted).distinct()[: org_selectors.CHOICES_MAX])
