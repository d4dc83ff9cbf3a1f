"""Who may change a KPI: the rules of the seeds' KPI discipline, one condition per line."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.kpis import selectors
from tandem.kpis.models import Kpi
from tandem.orgs import access
from tandem.orgs.models import Membership, Role


def require_kpi_author(membership: Membership) -> None:
    """KPIs are set top-down: managers and admins define them."""
    access.require_writer(membership)
    if membership.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied(_("KPIs are set by managers and administrators. Ask your manager to add it."))


def is_kpi_manager(membership: Membership, kpi: Kpi) -> bool:
    """Admins, and managers of the KPI's team or of a team above it (the team tree is read once per
    membership object, so judging many KPIs costs one query)."""
    if membership.is_admin:
        return True
    return kpi.team_id is not None and kpi.team_id in selectors.managed_team_ids(membership)


def require_can_edit(membership: Membership, kpi: Kpi) -> None:
    access.require_writer(membership)
    if kpi.owner_id == membership.pk:
        return
    if not is_kpi_manager(membership, kpi):
        raise PermissionDenied(_("Only the KPI's owner, its team's managers and administrators can change it."))


def require_can_record(membership: Membership, kpi: Kpi) -> None:
    """Data is entered by the owner, the team's managers, admins, and integrations acting as them."""
    require_can_edit(membership, kpi)
