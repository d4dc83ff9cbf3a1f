"""Who may add and change actions, one condition per line.

Anyone who writes and may see a KPI or a key result may add an action to it. An action is changed (its
status too) or deleted by its owner, by whoever created it, by whoever may edit its KPI or key result,
and by administrators. Viewers never write.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.actions.models import Action
from tandem.core.errors import PermissionDenied
from tandem.kpis.models import Kpi
from tandem.kpis.selectors import managed_team_ids
from tandem.okrs.access import can_edit_key_result, can_edit_objective
from tandem.orgs import access
from tandem.orgs.models import Membership


def require_add(membership: Membership) -> None:
    """Seeing the KPI or key result is checked by reading it through its selector."""
    access.require_writer(membership)


def can_edit_kpi(membership: Membership, kpi: Kpi, managed: set[int]) -> bool:
    """``kpis.access.require_can_edit``'s rule, with the team tree read once for a whole list."""
    if membership.is_admin:
        return True
    if kpi.owner_id == membership.pk:
        return True
    return kpi.team_id is not None and kpi.team_id in managed


def can_edit_parent(membership: Membership, action: Action, managed: set[int] | None = None) -> bool:
    """Whether the person may edit the action's KPI or key result (pass ``managed`` when a list knows it)."""
    managed = managed_team_ids(membership) if managed is None else managed
    if action.kpi_id is not None and action.kpi is not None:
        return can_edit_kpi(membership, action.kpi, managed)
    if action.key_result is None:
        return False
    objective_editable = can_edit_objective(membership, action.key_result.objective, managed)
    return can_edit_key_result(membership, action.key_result, objective_editable=objective_editable)


def can_edit_action(membership: Membership, action: Action, managed: set[int] | None = None) -> bool:
    if not membership.can_write:
        return False
    if membership.is_admin:
        return True
    if action.owner_id == membership.pk:
        return True
    if action.created_by_id == membership.pk:
        return True
    return can_edit_parent(membership, action, managed)


def require_edit_action(membership: Membership, action: Action) -> None:
    access.require_writer(membership)
    if not can_edit_action(membership, action):
        raise PermissionDenied(
            _(
                "Only the action's owner, whoever created it, whoever may edit its KPI or key result "
                "and administrators can change it."
            )
        )
