"""A person's contribution: the chain from their actions and key results up through the objectives they align
to, to the company's objectives, with the progress of every step, and the KPIs they own.

Who may open it is one rule (:func:`can_see_contribution`): the person, their managers up the reporting
line, the managers of their teams (and of the teams above them) and administrators; anyone else is told
that it does not exist. What it shows then follows the usual selectors: an objective in the chain the
viewer may not see is a step marked private, with no title or numbers, and its key results are left out.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.actions import selectors as action_selectors
from tandem.actions.models import Action
from tandem.core.errors import NotFound
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import KpiState
from tandem.kpis.selectors import managed_team_ids
from tandem.okrs import selectors
from tandem.okrs.models import Confidence, Cycle, KeyResult, Level, Objective
from tandem.orgs.models import Membership

# One person's open actions and KPIs are a few dozen; the caps keep a page bounded whatever the data.
ACTIONS_MAX = 200
KPIS_MAX = 50
LEVEL_ORDER = {str(Level.COMPANY): 0, str(Level.TEAM): 1, str(Level.PERSON): 2}
STALE_DAYS = 7


def can_see_contribution(viewer: Membership, person: Membership) -> bool:
    """Whether ``viewer`` may open ``person``'s contribution page, one condition per line."""
    if viewer.organization_id != person.organization_id:
        return False
    if viewer.is_admin:
        return True
    if viewer.pk == person.pk:
        return True
    if person.manager_id == viewer.pk:
        return True
    if viewer.pk in _managers_above(person):
        return True
    return bool(set(person.teams.values_list("pk", flat=True)) & managed_team_ids(viewer))


def require_see_contribution(viewer: Membership, person: Membership) -> None:
    """A 404, as for a person who does not exist: whether someone else's page exists is not confirmed."""
    if not can_see_contribution(viewer, person):
        raise NotFound()


def _managers_above(person: Membership) -> set[int]:
    """Everyone above the person in the reporting line, from one query of the organization's manager links."""
    manager_of = dict(
        Membership.objects.for_org(person.organization_id).filter(manager__isnull=False).values_list("pk", "manager_id")
    )
    found: set[int] = set()
    current = person.manager_id
    while current is not None and current not in found:
        found.add(current)
        current = manager_of.get(current)
    return found


def contribution(
    *, viewer: Membership, person: Membership, cycle: Cycle | None, today: datetime.date
) -> dict[str, Any]:
    """What ``person`` contributes in ``cycle``, as ``viewer`` may see it.

    ``chains``: the objectives the person owns or holds a key result of, under the objectives they align to,
    as a forest from the top (usually company objectives) down; each step has its level, owner, progress
    and score, and the person's key results on it, each with the person's open actions on it. ``actions``:
    the person's other open actions (on KPIs, or on key results of other cycles). ``kpis``: the KPIs the
    person owns with their current status, value, target and trend. A constant number of queries whatever
    the number of objectives, key results and levels."""
    require_see_contribution(viewer, person)
    open_actions = list(action_selectors.actions(membership=viewer, owner_id=person.pk, open_only=True)[:ACTIONS_MAX])
    results = _key_results(person=person, cycle=cycle, with_actions={a.key_result_id for a in open_actions})
    steps = _steps(viewer=viewer, person=person, cycle=cycle, results=results)
    action_rows = [_action_row(a) for a in open_actions]
    actions_by_result: dict[int, list[dict[str, Any]]] = {}
    for row in action_rows:
        if row["key_result"] is not None:
            actions_by_result.setdefault(row["key_result"], []).append(row)
    shown: set[int] = set()
    for result in results:
        step = steps.get(result.objective_id)
        if step is None or step["private"]:
            continue
        shown.add(result.pk)
        step["key_results"].append(_key_result_row(result, person, actions_by_result.get(result.pk, [])))
    kpis, more_kpis = _kpis(viewer=viewer, person=person, today=today)
    return {
        "person": person,
        "cycle": cycle,
        "chains": _forest(steps),
        "key_result_count": len(shown),
        "actions": [row for row in action_rows if row["key_result"] not in shown],
        "kpis": kpis,
        "more_kpis": more_kpis,
    }


def _key_results(*, person: Membership, cycle: Cycle | None, with_actions: set[int | None]) -> list[KeyResult]:
    """The person's key results in the cycle, and those they have an open action on: one query."""
    if cycle is None:
        return []
    return list(
        KeyResult.objects.for_org(person.organization_id)
        .filter(objective__cycle=cycle)
        .filter(Q(owner=person) | Q(pk__in=[pk for pk in with_actions if pk is not None]))
        .select_related("owner__user")
        .order_by("objective_id", "position", "id")
    )


def _steps(
    *, viewer: Membership, person: Membership, cycle: Cycle | None, results: list[KeyResult]
) -> dict[int, dict[str, Any]]:
    """Every objective of the chains by id: the person's objectives in the cycle and those of their key
    results (one query), then every ancestor of all of them, from their paths (one query); each read with
    whether the viewer may see it, by the objectives selector's rule (as a subquery)."""
    if cycle is None:
        return {}
    org = person.organization_id
    visible = selectors.objectives(membership=viewer)
    found = (
        Objective.objects.for_org(org)
        .select_related("owner__user", "team")
        .annotate(shown=Exists(visible.filter(pk=OuterRef("pk"))))
    )
    leaves = list(found.filter(Q(cycle=cycle, owner=person) | Q(pk__in={r.objective_id for r in results})))
    known = {o.pk for o in leaves}
    above = {int(pk) for o in leaves for pk in o.path.strip("/").split("/") if pk} - known
    ancestors = list(found.filter(pk__in=above)) if above else []
    return {o.pk: _step(o, person, shown=o.shown) for o in [*leaves, *ancestors]}


def _step(objective: Objective, person: Membership, *, shown: bool) -> dict[str, Any]:
    """One objective of a chain; one the viewer may not see says only that it is there."""
    # Kept aside (and dropped by _forest) so that the tree is built and ordered the same either way.
    order = (LEVEL_ORDER.get(objective.level, 3), objective.title if shown else "", objective.pk)
    hidden = {"_parent": objective.parent_id, "_order": order}
    if not shown:
        return {"private": True, "key_results": [], "children": [], **hidden}
    if objective.owner is not None:
        owner_name = objective.owner.display_name
    elif objective.team is not None:
        owner_name = objective.team.name
    else:
        owner_name = str(_("Company"))
    return {
        "private": False,
        "id": objective.pk,
        "title": objective.title,
        "level": objective.level,
        "level_label": objective.get_level_display(),
        "kind": objective.kind,
        "owner": objective.owner_id,
        "team": objective.team_id,
        "owner_name": owner_name,
        "mine": objective.owner_id == person.pk,
        "progress": objective.progress,
        # Text, not numbers: a template would localize each integer it prints.
        "percent": str(int(objective.progress * 100)),
        "bar": selectors.bar_colour(objective.progress),
        "score": objective.score,
        "url": reverse("objective_detail", args=[objective.pk]),
        "key_results": [],
        "children": [],
        **hidden,
    }


def _forest(steps: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps as trees from the top down: children under their parent, by level and then title."""
    roots: list[dict[str, Any]] = []
    for pk, step in steps.items():
        parent = steps.get(step["_parent"]) if step["_parent"] != pk else None
        (parent["children"] if parent is not None else roots).append(step)

    def tidy(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items.sort(key=lambda s: s["_order"])
        for item in items:
            item.pop("_parent")
            item.pop("_order")
            tidy(item["children"])
        return items

    return tidy(roots)


def _key_result_row(result: KeyResult, person: Membership, actions: list[dict[str, Any]]) -> dict[str, Any]:
    last = result.last_check_in_at
    return {
        "id": result.pk,
        "title": result.title,
        "type": result.type,
        "start_value": result.start_value,
        "current_value": result.current_value,
        "target_value": result.target_value,
        "unit": result.unit,
        "owner": result.owner_id,
        "owner_name": result.owner.display_name,
        "mine": result.owner_id == person.pk,
        "progress": result.progress,
        "percent": str(int(result.progress * 100)),
        "bar": selectors.bar_colour(result.progress),
        "confidence": result.confidence,
        "confidence_label": Confidence(result.confidence).label if result.confidence else "",
        "confidence_class": selectors.CONFIDENCE_CLASSES.get(result.confidence, ""),
        "last_check_in_at": last,
        "stale": last is None or (timezone.now() - last).days > STALE_DAYS,
        "score": result.score,
        "url": reverse("objective_detail", args=[result.objective_id]),
        "actions": actions,
    }


def _action_row(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "status": action.status,
        "status_label": action.get_status_display(),
        "due_date": action.due_date,
        "overdue": bool(getattr(action, "overdue", False)),
        "kpi": action.kpi_id,
        "key_result": action.key_result_id,
        "on": action.kpi.name if action.kpi is not None else action.key_result.title if action.key_result else "",
        "url": action_selectors.parent_url(action),
    }


def _kpis(*, viewer: Membership, person: Membership, today: datetime.date) -> tuple[list[dict[str, Any]], bool]:
    """The KPIs the person owns that the viewer may see, with their status now (a constant number of
    queries: ``kpi_rows`` computes a page at once), and whether there are more than fit."""
    found = list(
        kpi_selectors.kpis(membership=viewer, owner_id=person.pk)
        .exclude(state=KpiState.ARCHIVED)
        .select_related("organization")
        .prefetch_related(*kpi_selectors.RULES)[: KPIS_MAX + 1]
    )
    rows = kpi_selectors.kpi_rows(membership=viewer, kpis_page=found[:KPIS_MAX], today=today)
    return [
        {
            "id": row["kpi"].pk,
            "name": row["kpi"].name,
            "unit": row["kpi"].unit,
            "url": reverse("kpi_detail", args=[row["kpi"].pk]),
            "period": row["period"],
            "status": row["status"],
            "value": row["value"],
            "target": row["target"],
            "projected": row["projected"],
            "spark": row["spark"],
            "watermelon": row["watermelon"],
        }
        for row in rows
    ], len(found) > KPIS_MAX


def chain_rows(chains: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    """The forest depth-first, each step with its depth, for a page to draw as an indented list."""
    rows: list[dict[str, Any]] = []
    for step in chains:
        rows.append({"step": step, "depth": depth, "indent": str(depth)})
        rows.extend(chain_rows(step["children"], depth + 1))
    return rows
