"""Who may change OKRs: the seeds' OKR discipline, one condition per line.

OKRs are set top-down and bottom-up: anyone who writes may own objectives; an objective is changed by its
owner, by the managers of its team (up the team tree) or of its owner's team, and by administrators.
Company objectives belong to the administrators. Cycles are moved by administrators.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import Conflict, PermissionDenied
from tandem.kpis.selectors import managed_team_ids
from tandem.okrs.models import Cycle, CycleState, KeyResult, Level, Objective
from tandem.orgs import access
from tandem.orgs.models import Membership

EDITABLE = (CycleState.PLANNING, CycleState.ACTIVE)


def can_edit_objective(membership: Membership, objective: Objective, managed: set[int] | None = None) -> bool:
    if not membership.can_write:
        return False
    if membership.is_admin:
        return True
    if objective.level == Level.COMPANY:
        return False
    if objective.owner_id == membership.pk:
        return True
    if objective.owner_id is not None and objective.owner is not None and objective.owner.manager_id == membership.pk:
        return True
    managed = managed_team_ids(membership) if managed is None else managed
    if objective.team_id is not None and objective.team_id in managed:
        return True
    owner_teams = {t.pk for t in objective.owner.teams.all()} if objective.owner_id and objective.owner else set()
    return bool(owner_teams & managed)


def require_edit_objective(membership: Membership, objective: Objective) -> None:
    access.require_writer(membership)
    if not can_edit_objective(membership, objective):
        raise PermissionDenied(_("Only the objective's owner, their managers and administrators can change it."))


def can_edit_key_result(membership: Membership, key_result: KeyResult, objective_editable: bool | None = None) -> bool:
    """Its owner, and whoever may edit its objective (pass ``objective_editable`` when a list knows it already)."""
    if membership.can_write and key_result.owner_id == membership.pk:
        return True
    if objective_editable is not None:
        return objective_editable
    return can_edit_objective(membership, key_result.objective)


def require_edit_key_result(membership: Membership, key_result: KeyResult) -> None:
    access.require_writer(membership)
    if not can_edit_key_result(membership, key_result):
        raise PermissionDenied(
            _("Only the key result's owner, the objective's owner, their managers and administrators can change it.")
        )


def require_open(cycle: Cycle) -> None:
    """Objectives and key results change freely while planning and active; then the cycle is scored."""
    if cycle.state not in EDITABLE:
        raise Conflict(
            _("%(cycle)s is %(state)s: its objectives and key results no longer change.")
            % {"cycle": cycle.name, "state": cycle.get_state_display().lower()}
        )


def require_state(cycle: Cycle, state: str, message: str) -> None:
    if cycle.state != state:
        raise Conflict(message)
