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


def is_kpi_manager(membership: Membership, kpi: Kpi, *, managed: set[int] | None = None) -> bool:
    """Admins, and managers of the KPI's team or of a team above it. ``managed`` is the person's
    ``managed_team_ids`` when the caller judges many KPIs and has read it once."""
    if membership.is_admin:
        return True
    if kpi.team_id is None:
        return False
    return kpi.team_id in (selectors.managed_team_ids(membership) if managed is None else managed)


def require_can_edit(membership: Membership, kpi: Kpi, *, managed: set[int] | None = None) -> None:
    access.require_writer(membership)
    if kpi.owner_id == membership.pk:
        return
    if not is_kpi_manager(membership, kpi, managed=managed):
        raise PermissionDenied(_("Only the KPI's owner, its team's managers and administrators can change it."))


def require_can_record(membership: Membership, kpi: Kpi, *, managed: set[int] | None = None) -> None:
    """Data is entered by the owner, the team's managers, admins, and integrations acting as them."""
    require_can_edit(membership, kpi, managed=managed)
