"""Who may do what in an organization. One condition per line, so coverage proves each branch."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.orgs.models import Membership


def require_writer(membership: Membership) -> None:
    """Viewers (and deactivated people) read; they never change anything."""
    if not membership.is_active:
        raise PermissionDenied(_("Your access to this organization has been removed."))
    if not membership.can_write:
        raise PermissionDenied(_("Viewers can look at everything they may see but cannot change it."))


def require_admin(membership: Membership) -> None:
    require_writer(membership)
    if not membership.is_admin:
        raise PermissionDenied(_("Only an administrator of this organization can do this."))
