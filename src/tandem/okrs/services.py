"""Every change to cycles, objectives and key results: validated, in one transaction, audited, and told to
the people above and beside in the alignment tree. Check-ins and scoring live in ``okrs.check_ins``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core import audit
from tandem.core.errors import Conflict, ValidationError, amount_of, full_clean
from tandem.integrations.webhooks import objective_data, webhook_emit
from tandem.kpis import selectors as kpi_selectors
from tandem.notifications.services import notify
from tandem.okrs import access, progress
from tandem.okrs.models import (
    Cycle,
    CycleState,
    KeyResult,
    Level,
    Milestone,
    Objective,
    ResultType,
)
from tandem.orgs import access as orgs_access
from tandem.orgs.models import Membership, Team

CYCLE_FIELDS = ["name", "kind", "start", "end", "state"]
OBJECTIVE_FIELDS = ["title", "description", "owner", "team", "level", "kind", "parent", "visibility"]
KEY_RESULT_FIELDS = [
    "title",
    "type",
    "start_value",
    "target_value",
    "unit",
    "weight",
    "owner",
    "kpi",
    "kpi_rule",
]
NEXT_STATE = {
    CycleState.PLANNING: CycleState.ACTIVE,
    CycleState.ACTIVE: CycleState.CLOSING,
    CycleState.CLOSING: CycleState.CLOSED,
}


def decimal_of(raw: object, field: str, places: str = "0.000001") -> Decimal:
    """A number given for ``field``, or a field error people can act on."""
    value = amount_of(raw)
    if value is None:
        raise ValidationError(field, _("Use a number such as 12.5 (at most 14 digits before the point)."))
    return value.quantize(Decimal(places))


# Cycles ----------------------------------------------------------------------------------------------------


def cycle_create(
    *, by: Membership, name: str, start: datetime.date, end: datetime.date, kind: str = "quarter"
) -> Cycle:
    """A new cycle, in planning. Administrators set the cycles."""
    orgs_access.require_admin(by)
    cycle = Cycle(organization=by.organization, name=(name or "").strip(), kind=kind, start=start, end=end)
    return _cycle_save(by, cycle, "created", {})


def cycle_update(*, by: Membership, cycle: Cycle, **changes: Any) -> Cycle:
    """Rename a cycle or move its dates (not once it is closed)."""
    orgs_access.require_admin(by)
    unknown = set(changes) - {"name", "kind", "start", "end"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    if cycle.state == CycleState.CLOSED:
        raise Conflict(_("A closed cycle no longer changes."))
    before = audit.snapshot(cycle, CYCLE_FIELDS)
    for name, value in changes.items():
        setattr(cycle, name, value.strip() if isinstance(value, str) else value)
    return _cycle_save(by, cycle, "updated", before)


def _cycle_save(by: Membership, cycle: Cycle, action: str, before: dict[str, Any]) -> Cycle:
    full_clean(cycle)
    if cycle.end < cycle.start:
        raise ValidationError("end", _("The last day must not be before the first day."))
    with transaction.atomic():
        cycle.save()
        changes = audit.diff(before, audit.snapshot(cycle, CYCLE_FIELDS))
        audit.record(organization=by.organization, actor=by, obj=cycle, action=action, changes=changes)
    return cycle


def cycle_advance(*, by: Membership, cycle: Cycle, state: str) -> Cycle:
    """Move a cycle one step on: planning → active → closing → closed. Closing it scores every objective
    whose key results were not scored by hand (their progress is their score)."""
    orgs_access.require_admin(by)
    expected = NEXT_STATE.get(CycleState(cycle.state)) if cycle.state in CycleState.values else None
    if state != expected:
        raise Conflict(
            _("%(cycle)s is %(state)s; it can only move on to %(next)s.")
            % {
                "cycle": cycle.name,
                "state": cycle.get_state_display().lower(),
                "next": CycleState(expected).label.lower() if expected else _("nothing (it is closed)"),
            }
        )
    from tandem.okrs import check_ins

    with transaction.atomic():
        before = cycle.state
        cycle.state = state
        cycle.save(update_fields=["state"])
        if state == CycleState.CLOSED:
            check_ins.cycle_score(cycle=cycle)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=cycle,
            action="state_changed",
            changes={"state": [before, state]},
        )
    return cycle


# Objectives ------------------------------------------------------------------------------------------------


def _level(owner: Membership | None, team: Team | None) -> str:
    if owner is not None:
        return Level.PERSON
    if team is not None:
        return Level.TEAM
    return Level.COMPANY


def _resolve(by: Membership, model: type[Membership] | type[Team], pk: object, field: str) -> Any:
    if pk is None or pk == "":
        return None
    if isinstance(pk, models.Model):
        pk = pk.pk
    found = model.objects.for_org(by.organization).filter(pk=pk).first()
    if found is None:
        raise ValidationError(field, _("Not found in this organization."))
    return found


def _check_parent(by: Membership, objective: Objective, parent_id: object) -> Objective | None:
    """The parent is an objective of the same organization, in the same or an enclosing cycle, and not the
    objective itself or one aligned under it (that would make a loop)."""
    if parent_id in (None, ""):
        return None
    from tandem.okrs import selectors

    parent = selectors.objectives(membership=by).filter(pk=parent_id).select_related("cycle").first()  # type: ignore[misc]
    if parent is None:
        raise ValidationError("parent", _("No such objective in this organization."))
    if objective.pk and (parent.pk == objective.pk or parent.path.startswith(subtree_prefix(objective))):
        raise ValidationError("parent", _("An objective cannot align to itself or to one aligned under it."))
    if not parent.cycle.encloses(objective.cycle):
        raise ValidationError(
            "parent",
            _("Align to an objective of the same cycle or of one that encloses it (%(start)s to %(end)s).")
            % {"start": objective.cycle.start, "end": objective.cycle.end},
        )
    return parent


def subtree_prefix(objective: Objective) -> str:
    """The path every objective aligned under this one starts with."""
    return f"{objective.path}{objective.pk}/"


def depth_of(path: str) -> int:
    return path.count("/") - 1


def ancestor_ids(objective: Objective) -> list[int]:
    return [int(part) for part in objective.path.strip("/").split("/") if part]


def _shift_ancestors(organization_id: int, ids: list[int], count: int, progress_sum: Decimal) -> None:
    """Add a subtree's objectives and progress to (or, negative, take them from) its ancestors' roll-up."""
    if ids and (count or progress_sum):
        Objective.objects.for_org(organization_id).filter(pk__in=ids).update(
            descendants=F("descendants") + count, descendants_progress=F("descendants_progress") + progress_sum
        )


def _move_subtree(objective: Objective, old_path: str) -> None:
    """Rewrite the paths of everything aligned under an objective whose own path changed."""
    old_prefix, new_prefix = f"{old_path}{objective.pk}/", subtree_prefix(objective)
    if old_prefix != new_prefix:
        Objective.objects.for_org(objective.organization_id).filter(path__startswith=old_prefix).update(
            path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
            depth=F("depth") + (depth_of(new_prefix) - depth_of(old_prefix)),
        )


def objective_url(objective: Objective) -> str:
    return reverse("objective_detail", args=[objective.pk])


def _owners(objectives: list[Objective | None]) -> list[Membership | None]:
    """Whom an objective speaks for: its owner, or its team's manager."""
    found: list[Membership | None] = []
    for objective in objectives:
        if objective is None:
            continue
        if objective.owner_id:
            found.append(objective.owner)
        elif objective.team is not None:
            found.append(objective.team.manager)
    return found


def _tell_the_tree(*, by: Membership, objective: Objective, event: str, params: dict[str, Any]) -> None:
    """The owners of the parent objective and of the objectives aligned directly under it are told, and the
    objective's own owner when someone else changed it; private objectives are not named to who cannot see them."""
    from tandem.okrs import selectors

    children = list(
        Objective.objects.for_org(objective.organization_id)
        .filter(parent_id=objective.pk)
        .select_related("owner__user", "team__manager__user")
    )
    parent = (
        Objective.objects.for_org(objective.organization_id)
        .select_related("owner__user", "team__manager__user")
        .filter(pk=objective.parent_id)
        .first()
        if objective.parent_id
        else None
    )
    recipients = [
        person
        for person in _owners([parent, *children, objective])
        if person is not None and selectors.may_see_objective(person, objective)
    ]
    notify(actor=by, recipients=recipients, event=event, obj=objective, url=objective_url(objective), params=params)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[list[Any]]:
    return [[field, pair[0], pair[1]] for field, pair in audit.diff(before, after).items()]


def objective_create(
    *,
    by: Membership,
    cycle: Cycle,
    title: str,
    description: str = "",
    owner: object = None,
    team: object = None,
    kind: str = "committed",
    parent: object = None,
    visibility: str = "public",
    carried_from: Objective | None = None,
) -> Objective:
    """A new objective. Without an owner or a team it is a company objective (administrators only); the
    person creating it owns it by default through the caller (the API and forms pass the owner)."""
    orgs_access.require_writer(by)
    access.require_open(cycle)
    objective = Objective(
        organization=by.organization,
        cycle=cycle,
        title=(title or "").strip(),
        description=description or "",
        owner=_resolve(by, Membership, owner, "owner"),
        team=_resolve(by, Team, team, "team"),
        kind=kind,
        visibility=visibility,
        carried_from=carried_from,
    )
    if objective.owner is not None and objective.team is not None:
        raise ValidationError("team", _("An objective is owned by a person or by a team, not both."))
    objective.level = _level(objective.owner, objective.team)
    access.require_edit_objective(by, objective)
    parent_objective = _check_parent(by, objective, parent)
    objective.parent = parent_objective
    objective.path = subtree_prefix(parent_objective) if parent_objective else "/"
    objective.depth = depth_of(objective.path)
    full_clean(objective, exclude=["parent", "carried_from"])
    with transaction.atomic():
        objective.save()
        _shift_ancestors(objective.organization_id, ancestor_ids(objective), 1, Decimal(0))
        audit.record(
            organization=by.organization,
            actor=by,
            obj=objective,
            action="created",
            changes=audit.diff({}, audit.snapshot(objective, OBJECTIVE_FIELDS)),
        )
        _tell_the_tree(by=by, objective=objective, event="objective.created", params={"title": objective.title})
        webhook_emit(
            organization_id=by.organization_id, event="objective.changed", data=objective_data(objective, "created")
        )
    return objective


def objective_update(*, by: Membership, objective: Objective, **changes: Any) -> Objective:
    """Edit an objective at any time while its cycle is open, without approval: the change is recorded and
    the owners above and below are told. Re-aligning it moves everything aligned under it along."""
    access.require_edit_objective(by, objective)
    access.require_open(objective.cycle)
    unknown = set(changes) - {"title", "description", "owner", "team", "kind", "parent", "visibility"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(objective, OBJECTIVE_FIELDS)
    old_path, old_parent = objective.path, objective.parent_id
    if "owner" in changes or "team" in changes:
        objective.owner = _resolve(by, Membership, changes.pop("owner", objective.owner_id), "owner")
        objective.team = _resolve(by, Team, changes.pop("team", objective.team_id), "team")
        if objective.owner is not None and objective.team is not None:
            raise ValidationError("team", _("An objective is owned by a person or by a team, not both."))
        objective.level = _level(objective.owner, objective.team)
        access.require_edit_objective(by, objective)  # the new owner must be someone they may give it to
    if "parent" in changes:
        objective.parent = _check_parent(by, objective, changes.pop("parent"))
        objective.path = subtree_prefix(objective.parent) if objective.parent else "/"
        objective.depth = depth_of(objective.path)
    for name, value in changes.items():
        setattr(objective, name, value.strip() if name == "title" and isinstance(value, str) else value)
    full_clean(objective, exclude=["parent", "carried_from"])
    after = audit.snapshot(objective, OBJECTIVE_FIELDS)
    with transaction.atomic():
        objective.save()
        if objective.parent_id != old_parent:
            weight = 1 + objective.descendants
            carried = objective.progress + objective.descendants_progress
            old_ancestors = [int(p) for p in old_path.strip("/").split("/") if p]
            _shift_ancestors(objective.organization_id, old_ancestors, -weight, -carried)
            _shift_ancestors(objective.organization_id, ancestor_ids(objective), weight, carried)
            _move_subtree(objective, old_path)
        diff = audit.diff(before, after)
        audit.record(organization=by.organization, actor=by, obj=objective, action="updated", changes=diff)
        if diff:
            webhook_emit(
                organization_id=by.organization_id,
                event="objective.changed",
                data=objective_data(objective, "updated", diff),
            )
            _tell_the_tree(
                by=by,
                objective=objective,
                event="objective.changed",
                params={"title": objective.title, "changes": _changed(before, after)},
            )
    return objective


def objective_delete(*, by: Membership, objective: Objective) -> None:
    """Delete an objective and its key results; what was aligned under it keeps its own tree, unaligned."""
    access.require_edit_objective(by, objective)
    access.require_open(objective.cycle)
    with transaction.atomic():
        _tell_the_tree(by=by, objective=objective, event="objective.deleted", params={"title": objective.title})
        webhook_emit(
            organization_id=by.organization_id, event="objective.changed", data=objective_data(objective, "deleted")
        )
        ancestors = ancestor_ids(objective)
        _shift_ancestors(
            objective.organization_id,
            ancestors,
            -(1 + objective.descendants),
            -(objective.progress + objective.descendants_progress),
        )
        for child in Objective.objects.for_org(objective.organization_id).filter(parent_id=objective.pk):
            old_path = child.path
            child.parent, child.path, child.depth = None, "/", 0
            child.save(update_fields=["parent", "path", "depth"])
            _move_subtree(child, old_path)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=objective,
            action="deleted",
            changes=audit.diff(audit.snapshot(objective, OBJECTIVE_FIELDS), {}),
        )
        objective.delete()


# Key results -----------------------------------------------------------------------------------------------


def _shape(kr: KeyResult, milestones: list[str] | None) -> None:
    """Yes/no runs from 0 to 1 and milestones from 0 to their number; numbers need a target that differs
    from the start."""
    if kr.type == ResultType.YES_NO:
        kr.start_value, kr.target_value = Decimal(0), Decimal(1)
        kr.current_value = Decimal(1) if kr.current_value and kr.current_value >= 1 else Decimal(0)
    elif kr.type == ResultType.MILESTONES:
        if milestones is not None:
            if not milestones:
                raise ValidationError("milestones", _("List at least one milestone."))
            kr.target_value = Decimal(len(milestones))
        kr.start_value = Decimal(0)
    elif kr.target_value is None:
        raise ValidationError("target_value", _("Say where the key result should get to."))
    elif kr.target_value == kr.start_value:
        raise ValidationError(
            "target_value", _("The target must differ from the start: a key result moves from X to Y.")
        )
    if kr.weight is None or kr.weight <= 0:
        raise ValidationError("weight", _("The weight must be more than 0."))


def key_result_create(
    *,
    by: Membership,
    objective: Objective,
    title: str,
    type: str = ResultType.NUMBER,
    start_value: object = 0,
    target_value: object = None,
    unit: str = "",
    weight: object = 1,
    owner: object = None,
    kpi: object = None,
    kpi_rule: str = "latest",
    milestones: list[str] | None = None,
) -> KeyResult:
    """A new key result on an objective; its owner defaults to the objective's owner (or the author)."""
    access.require_edit_objective(by, objective)
    access.require_open(objective.cycle)
    kr = KeyResult(
        organization=by.organization,
        objective=objective,
        title=(title or "").strip(),
        type=type,
        start_value=decimal_of(start_value if start_value is not None else 0, "start_value"),
        target_value=None if target_value is None else decimal_of(target_value, "target_value"),
        unit=unit or "",
        weight=decimal_of(weight if weight is not None else 1, "weight", "0.01"),
        owner=_resolve(by, Membership, owner, "owner") or objective.owner or by,
        kpi=_kpi(by, kpi),
        kpi_rule=kpi_rule,
        position=objective.key_results.count(),
    )
    kr.current_value = kr.start_value
    _shape(kr, [m.strip() for m in milestones] if milestones is not None else None)
    if kr.type == ResultType.MILESTONES and milestones is None:
        raise ValidationError("milestones", _("List at least one milestone."))
    kr.progress = progress.key_result_progress(kr.start_value, kr.target_value, kr.current_value)
    full_clean(kr, exclude=["objective", "kpi"])
    with transaction.atomic():
        kr.save()
        if milestones:
            Milestone.objects.for_org(by.organization).bulk_create(
                Milestone(organization=by.organization, key_result=kr, title=t.strip(), position=i)
                for i, t in enumerate(milestones)
            )
        from tandem.okrs import check_ins

        check_ins.objective_recompute(objective=objective)
        audit.record(
            organization=by.organization,
            actor=by,
            obj=kr,
            action="created",
            changes=audit.diff({}, audit.snapshot(kr, KEY_RESULT_FIELDS)),
        )
        _tell_the_tree(
            by=by,
            objective=objective,
            event="key_result.created",
            params={"title": kr.title, "objective": objective.title},
        )
        if kr.kpi_id:
            check_ins.key_results_follow_kpis(organization_id=kr.organization_id, kpi_ids=[kr.kpi_id], key_results=[kr])
    return kr


def _kpi(by: Membership, kpi: object) -> Any:
    if kpi in (None, ""):
        return None
    found = kpi_selectors.kpis(membership=by).filter(pk=kpi.pk if isinstance(kpi, models.Model) else kpi).first()  # type: ignore[misc]
    if found is None:
        raise ValidationError("kpi", _("No such KPI that you can see."))
    return found


def key_result_update(*, by: Membership, key_result: KeyResult, **changes: Any) -> KeyResult:
    """Edit a key result freely while the cycle is open; the change is recorded and the tree is told."""
    access.require_edit_key_result(by, key_result)
    access.require_open(key_result.objective.cycle)
    unknown = set(changes) - set(KEY_RESULT_FIELDS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], _("This field cannot be changed here."))
    before = audit.snapshot(key_result, KEY_RESULT_FIELDS)
    for name in ("start_value", "target_value", "weight"):
        if name in changes and changes[name] is not None:
            changes[name] = decimal_of(changes[name], name, "0.01" if name == "weight" else "0.000001")
    if "owner" in changes:
        changes["owner"] = _resolve(by, Membership, changes["owner"], "owner") or key_result.owner
    if "kpi" in changes:
        changes["kpi"] = _kpi(by, changes["kpi"])
    for name, value in changes.items():
        setattr(key_result, name, value.strip() if name == "title" and isinstance(value, str) else value)
    _shape(key_result, None)
    key_result.progress = progress.key_result_progress(
        key_result.start_value, key_result.target_value, key_result.current_value
    )
    full_clean(key_result, exclude=["objective", "kpi"])
    after = audit.snapshot(key_result, KEY_RESULT_FIELDS)
    with transaction.atomic():
        key_result.save()
        from tandem.okrs import check_ins

        check_ins.objective_recompute(objective=key_result.objective)
        diff = audit.diff(before, after)
        audit.record(organization=by.organization, actor=by, obj=key_result, action="updated", changes=diff)
        if diff:
            _tell_the_tree(
                by=by,
                objective=key_result.objective,
                event="key_result.changed",
                params={"title": key_result.title, "changes": _changed(before, after)},
            )
        if key_result.kpi_id and "kpi" in diff | ({"kpi_rule": 1} if "kpi_rule" in diff else {}):
            check_ins.key_results_follow_kpis(
                organization_id=key_result.organization_id, kpi_ids=[key_result.kpi_id], key_results=[key_result]
            )
    return key_result


def key_result_delete(*, by: Membership, key_result: KeyResult) -> None:
    access.require_edit_key_result(by, key_result)
    access.require_open(key_result.objective.cycle)
    objective = key_result.objective
    with transaction.atomic():
        audit.record(
            organization=by.organization,
            actor=by,
            obj=key_result,
            action="deleted",
            changes=audit.diff(audit.snapshot(key_result, KEY_RESULT_FIELDS), {}),
        )
        _tell_the_tree(
            by=by,
            objective=objective,
            event="key_result.deleted",
            params={"title": key_result.title, "objective": objective.title},
        )
        key_result.delete()
        from tandem.okrs import check_ins

        check_ins.objective_recompute(objective=objective)
